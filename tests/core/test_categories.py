"""The category tree: the shipped data file, its checks, and the version that
keeps workstations in step with the server."""

from __future__ import annotations

import copy
import json

import pytest

from core.categories import CategoryError, CategoryKind, CategoryTree, LimitUnit, Urgency
from core.reference import BadReference, ReferenceItem, load_file, version_of
from core.resources import load_categories, resource

RAW = json.loads(resource("categories.json").read_text(encoding="utf-8"))


def test_the_shipped_tree_has_the_domain_classes_and_enough_subclasses():
    tree = load_categories()
    names = {(c.kind, c.name) for c in tree.classes.values()}
    for name in ("公用设施", "道路交通", "市容环境", "园林绿化", "房屋土地", "其他设施", "扩展部件"):
        assert (CategoryKind.COMPONENT, name) in names
    for name in ("市容环境", "宣传广告", "施工管理", "街面秩序", "突发事件", "扩展事件"):
        assert (CategoryKind.EVENT, name) in names
    assert len(tree.subclasses) >= 60
    assert all(tree.in_class(key) for key in tree.classes)
    # The domain's examples.
    assert tree["C0101"].name == "上水井盖"
    assert (tree["E0102"].limit.value, tree["E0102"].limit.unit) == (4, LimitUnit.WORK_HOURS)
    assert (tree["E0104"].limit.value, tree["E0104"].limit.unit) == (2, LimitUnit.WORK_HOURS)
    assert tree["E0506"].limit.unit is LimitUnit.HOURS and tree["E0506"].urgency is not Urgency.NORMAL
    units = {c.limit.unit for c in tree.subclasses.values()}
    assert units == set(LimitUnit)
    assert tree.urgency_levels[Urgency.EMERGENCY].dispatch_minutes == 10
    assert tree.urgency_levels[Urgency.NORMAL].dispatch_minutes == 30
    assert all(c.department_kind for c in tree.subclasses.values())


def broken(mutate):
    data = copy.deepcopy(RAW)
    mutate(data)
    return data


@pytest.mark.parametrize("mutate, needle", [
    (lambda d: d["subclasses"][0].update(code="101"), "4 digits"),
    (lambda d: d["subclasses"][0].update(code="9901"), "no class"),
    (lambda d: d["subclasses"][0]["limit"].update(value=0), "positive"),
    (lambda d: d["subclasses"][0]["limit"].update(unit="weeks"), "bad value"),
    (lambda d: d["subclasses"][0].pop("department_kind"), "missing"),
    (lambda d: d["subclasses"].append(dict(d["subclasses"][0])), "repeats"),
    (lambda d: d["classes"].append(dict(d["classes"][0])), "repeats a class"),
    (lambda d: d["urgency_levels"].update(urgent={"dispatch_minutes": -1}), "positive"),
    (lambda d: d["subclasses"][0].update(urgency="whenever"), "bad value"),
])
def test_a_broken_tree_is_refused_with_a_clear_error(mutate, needle):
    with pytest.raises(CategoryError, match=needle):
        CategoryTree.from_dict(broken(mutate))


def test_reference_versions_follow_the_content():
    item = load_file("categories")
    assert item.version.startswith(f"{RAW['version']}-")
    edited = broken(lambda d: d["subclasses"][0].update(name="上水井盖（改）"))
    assert version_of(edited) != item.version  # edited without bumping the number
    assert version_of(copy.deepcopy(RAW)) == item.version
    again = ReferenceItem.from_change(item.to_change())
    assert again == item
    with pytest.raises(BadReference):
        ReferenceItem.from_change({"name": "categories", "version": "9", "data": json.dumps({"classes": []})})
    with pytest.raises(BadReference):
        ReferenceItem.from_change({"name": "weather", "version": "1", "data": "{}"})
    with pytest.raises(BadReference):
        ReferenceItem.from_change({"name": "calendar", "version": "1", "data": "{not json"})
    assert load_file("calendar").data["office_hours"]
