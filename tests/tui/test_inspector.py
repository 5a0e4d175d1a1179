"""Pilot tests of the resource inspector: the chain as a tree and the raw JSON beside it."""

from __future__ import annotations

from textual.widgets import OptionList, Tree

from netdoctor.frontends.tui.screens.inspector import InspectorScreen
from netdoctor.frontends.tui.widgets.json_view import JsonView
from tests.tui.conftest import BAD_NODE, sample_app, settle

SIZE = (120, 40)


def _labels(tree: Tree) -> list[str]:
    found = []

    def walk(node) -> None:
        found.append(str(node.label))
        for child in node.children:
            walk(child)

    walk(tree.root)
    return found


async def _inspect(pilot, finding_row: int, resource: int) -> InspectorScreen:
    await settle(pilot)
    for _ in range(finding_row):
        await pilot.press("down")
    await pilot.press("enter")
    await settle(pilot)
    resources = pilot.app.screen.query_one("#resources", OptionList)
    resources.focus()
    resources.highlighted = resource
    await pilot.press("enter")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, InspectorScreen)
    return screen


def _json(screen: InspectorScreen) -> str:
    return screen.query_one(JsonView).text


async def test_subnet_chain_reaches_the_nat_and_the_internet_gateway() -> None:
    app = sample_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await _inspect(pilot, finding_row=0, resource=0)
        labels = _labels(screen.query_one("#chain", Tree))
        assert labels[0].startswith("subnet/subnet-0a81eedc195edfd24  192.168.96.0/19")
        assert "12 free IPs" in labels[0]
        chain = [label.split("  ")[0] for label in labels[1:6]]
        assert chain == [
            "route-table/rtb-0d9841098930aa3f4",
            "nat-gateway/nat-0c7b50efd5f44d09f",
            "subnet/subnet-0de12f4dd7e752469",
            "route-table/rtb-0d73a8de95715852c",
            "internet-gateway/igw-0a6ff73d6f6d31f11",
        ]
        assert screen.shown_ref == "subnet/subnet-0a81eedc195edfd24"
        assert '"AvailableIpAddressCount": 12' in _json(screen)
        assert "from aws/ec2-describe-subnets.json" in str(
            screen.query_one("#json-source").render()
        )


async def test_pod_chain_marks_the_eni_holding_the_pod_ip_and_json_follows_the_cursor() -> None:
    app = sample_app()
    async with app.run_test(size=SIZE) as pilot:
        # The warning about the bookstore pod is the third finding; its first resource is the pod.
        screen = await _inspect(pilot, finding_row=2, resource=0)
        tree = screen.query_one("#chain", Tree)
        labels = _labels(tree)
        pod = "pod/bookstore/bookstore-web-svf9m2qtqh-92lrn"
        assert labels[0].startswith(f"{pod}  Running · 192.168.97.197")
        assert labels[1].startswith(f"node/{BAD_NODE}  m6i.large · eu-central-1a · 10/58 pods")
        assert labels[2].startswith("instance/i-04659d7d3b07444d8")
        holder = [x.split("  ")[0] for x in labels if "holds pod IP 192.168.97.197" in x]
        assert holder == ["eni/eni-0663ef80144d18994"]
        assert '"name": "bookstore-web-svf9m2qtqh-92lrn"' in _json(screen)
        tree.focus()
        await pilot.press("down", "down")
        await settle(pilot)
        assert screen.shown_ref == "instance/i-04659d7d3b07444d8"
        assert '"InstanceType": "m6i.large"' in _json(screen)
        await pilot.press("enter")
        await settle(pilot)
        rerooted = app.screen
        assert isinstance(rerooted, InspectorScreen) and rerooted is not screen
        assert rerooted.ref == "instance/i-04659d7d3b07444d8"
        # An instance sits on its node's chain, with the cursor on the instance.
        assert rerooted.query_one("#chain", Tree).cursor_node.data.ref == rerooted.ref
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen


async def test_service_chain_shows_ingress_target_group_load_balancer_and_pods() -> None:
    app = sample_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await _inspect(pilot, finding_row=1, resource=0)
        labels = [label.split("  ")[0] for label in _labels(screen.query_one("#chain", Tree))]
        assert labels[:5] == [
            "service/bookstore/bookstore-web",
            "ingress/bookstore/bookstore",
            "targetgroupbinding/bookstore/k8s-bookstor-bookstor-548bbd83af",
            "target-group/k8s-bookstor-bookstor-548bbd83af",
            "load-balancer/k8s-bookstor-bookstor-656b5e35d3",
        ]
        assert "pods (6)" in labels
