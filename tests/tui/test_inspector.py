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
        assert labels[0].startswith("subnet/subnet-0c3e4e30d4d93c4b6  192.168.96.0/19")
        assert "12 free IPs" in labels[0]
        chain = [label.split("  ")[0] for label in labels[1:6]]
        assert chain == [
            "route-table/rtb-049920c1602a708d4",
            "nat-gateway/nat-0584bbe9ff799a597",
            "subnet/subnet-06a154d618462d820",
            "route-table/rtb-0c3920f020a08318f",
            "internet-gateway/igw-0fc63c3043201eaa8",
        ]
        assert screen.shown_ref == "subnet/subnet-0c3e4e30d4d93c4b6"
        assert '"AvailableIpAddressCount": 12' in _json(screen)
        assert "from aws/ec2-describe-subnets.json" in str(
            screen.query_one("#json-source").render()
        )


async def test_pod_chain_marks_the_eni_holding_the_pod_ip_and_json_follows_the_cursor() -> None:
    app = sample_app()
    async with app.run_test(size=SIZE) as pilot:
        # The warning about the webhook pod is the third finding; its first resource is the pod.
        screen = await _inspect(pilot, finding_row=2, resource=0)
        tree = screen.query_one("#chain", Tree)
        labels = _labels(tree)
        pod = "pod/catalog/realtime-webhook-rjp9mdlg7s-8jcqs"
        assert labels[0].startswith(f"{pod}  Running · 192.168.103.60")
        assert labels[1].startswith(f"node/{BAD_NODE}  m6i.large · eu-central-1a · 10/58 pods")
        assert labels[2].startswith("instance/i-0d5462d37c2cb6260")
        holder = [x.split("  ")[0] for x in labels if "holds pod IP 192.168.103.60" in x]
        assert holder == ["eni/eni-0c6c591086d44b860"]
        assert '"name": "realtime-webhook-rjp9mdlg7s-8jcqs"' in _json(screen)
        tree.focus()
        await pilot.press("down", "down")
        await settle(pilot)
        assert screen.shown_ref == "instance/i-0d5462d37c2cb6260"
        assert '"InstanceType": "m6i.large"' in _json(screen)
        await pilot.press("enter")
        await settle(pilot)
        rerooted = app.screen
        assert isinstance(rerooted, InspectorScreen) and rerooted is not screen
        assert rerooted.ref == "instance/i-0d5462d37c2cb6260"
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
            "service/catalog/realtime-webhook",
            "ingress/catalog/realtime-webhook",
            "targetgroupbinding/catalog/k8s-catalog-realtime-21c81d3268",
            "target-group/k8s-catalog-realtime-21c81d3268",
            "load-balancer/k8s-catalog-realtime-4611bb691f",
        ]
        assert "pods (10)" in labels
