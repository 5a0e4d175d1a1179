"""A small `kustomize build` for the tests: the features deploy/ uses (resources, components,
strategic-merge patches by kind and name, images, labels) and nothing more. Where kubectl is
installed, tests/deploy checks that it builds exactly what `kubectl kustomize` builds; it
exists so the manifests are still validated where kubectl is not."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

Doc = dict[str, Any]
KUSTOMIZATION = "kustomization.yaml"
USED = {"apiVersion", "kind", "resources", "components", "patches", "images", "labels"}


def load_all(path: Path) -> list[Doc]:
    """Every non-empty YAML document in a file."""
    with path.open(encoding="utf-8") as stream:
        return [doc for doc in yaml.safe_load_all(stream) if doc is not None]


def key(doc: Doc) -> tuple[str, str, str]:
    meta = doc.get("metadata", {})
    return (doc["kind"], meta.get("namespace", ""), meta["name"])


def merge(base: Any, patch: Any) -> Any:
    """Strategic merge as deploy/ needs it: maps merge, lists of named maps (containers,
    volumes, ports, env) merge by name, any other list is replaced."""
    if isinstance(base, dict) and isinstance(patch, dict):
        out = dict(base)
        for name, value in patch.items():
            out[name] = merge(base[name], value) if name in base else copy.deepcopy(value)
        return out
    if (
        isinstance(base, list)
        and isinstance(patch, list)
        and all(isinstance(i, dict) and "name" in i for i in [*base, *patch])
    ):
        out_list = [copy.deepcopy(i) for i in base]
        for item in patch:
            at = next((n for n, b in enumerate(out_list) if b["name"] == item["name"]), None)
            if at is None:
                out_list.append(copy.deepcopy(item))
            else:
                out_list[at] = merge(out_list[at], item)
        return out_list
    return copy.deepcopy(patch)


def pod_spec(doc: Doc) -> Doc | None:
    """The pod spec of a Deployment or CronJob."""
    if doc["kind"] == "Deployment":
        spec: Doc = doc["spec"]["template"]["spec"]
        return spec
    if doc["kind"] == "CronJob":
        spec = doc["spec"]["jobTemplate"]["spec"]["template"]["spec"]
        return spec
    return None


def _apply(directory: Path, spec: Doc, docs: list[Doc]) -> list[Doc]:
    for patch_ref in spec.get("patches", []):
        [patch] = load_all(directory / patch_ref["path"])
        at = [n for n, d in enumerate(docs) if key(d) == key(patch)]
        if len(at) != 1:
            raise ValueError(f"{directory}: patch {patch_ref['path']} matches {len(at)} objects")
        docs[at[0]] = merge(docs[at[0]], patch)
    for image in spec.get("images", []):
        for doc in docs:
            pod = pod_spec(doc)
            for container in (pod or {}).get("containers", []):
                name, _, tag = container["image"].partition(":")
                if name == image["name"]:
                    new = image.get("newName", name)
                    container["image"] = f"{new}:{image.get('newTag', tag)}".rstrip(":")
    for label in spec.get("labels", []):
        for doc in docs:
            doc.setdefault("metadata", {}).setdefault("labels", {}).update(label["pairs"])
    return docs


def build(directory: Path) -> list[Doc]:
    """The objects `kustomize build DIRECTORY` makes."""
    spec = load_all(directory / KUSTOMIZATION)[0]
    unknown = set(spec) - USED
    if unknown:
        raise ValueError(f"{directory}: this builder does not know {sorted(unknown)}")
    docs: list[Doc] = []
    for ref in spec.get("resources", []):
        path = (directory / ref).resolve()
        docs += build(path) if path.is_dir() else [copy.deepcopy(d) for d in load_all(path)]
    for ref in spec.get("components", []):
        component = (directory / ref).resolve()
        inner = load_all(component / KUSTOMIZATION)[0]
        for res in inner.get("resources", []):
            docs += load_all(component / res)
        docs = _apply(component, inner, docs)
    return _apply(directory, spec, docs)
