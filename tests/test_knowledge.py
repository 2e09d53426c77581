"""The knowledge base loads, says only what the documents say, and rejects broken files.

Expected facts are literal strings; each is also checked against the seed documents, so a test
cannot pass on a fact the documents do not contain.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel

from bot.knowledge import KnowledgeBase, KnowledgeError, Treatment, get_knowledge, load_knowledge
from bot.knowledge.loader import DEFAULT_DIR
from bot.knowledge.schema import SCHEME_IDS
from tests.seeds import SEEDS

ROOT = Path(__file__).resolve().parents[1]
NANCHUAN = SEEDS / "000_8407ec938abdd631.txt"
FENGJIE = SEEDS / "003_698da45e117147a5.txt"


def _squash(text: str) -> str:
    """Drop whitespace: the extraction splits table cells over lines (“免\\n提交”)."""
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge()


@pytest.fixture(scope="module")
def seed() -> str:
    return _squash(NANCHUAN.read_text(encoding="utf-8") + FENGJIE.read_text(encoding="utf-8"))


# --- the real files -----------------------------------------------------------------------------


def test_real_files_load_with_the_documents_counts(kb: KnowledgeBase, seed: str) -> None:
    assert [s.id for s in kb.stages] == [f"stage_{n}" for n in range(1, 8)]
    assert [len(s.materials) for s in kb.stages] == [3, 5, 4, 5, 10, 3, 6]
    head = kb.land.headline
    assert (head.stages_before, head.stages_after) == (13, 6)
    assert (head.materials_before, head.materials_after) == (36, 12)
    assert "全流程环节由13个优化至6个，提交材料由36件减少至12件" in seed
    assert sum(len(s.materials) for s in kb.stages) == head.materials_before
    assert tuple(kb.schemes) == SCHEME_IDS
    assert len(kb.packages) == kb.one_thing.package_count == 16
    assert "等16个套餐服务" in seed


def test_get_knowledge_is_cached() -> None:
    assert get_knowledge() is get_knowledge()


def test_stage_names_are_exact(kb: KnowledgeBase, seed: str) -> None:
    expected = [
        "用地规划条件集成",
        "土地出让合同",
        "建设用地规划许可证",
        "出让国有建设用地使用权首次登记",
        "建设工程规划许可",
        "建设工程规划核验（验收）",
        "国有建设用地使用权及房屋所有权首次登记",
    ]
    assert [s.name for s in kb.stages] == expected
    for name in expected:
        assert name in seed


def test_stage_5_materials_spot_check(kb: KnowledgeBase, seed: str) -> None:
    stage = kb.stage("stage_5")
    expected = [
        ("建设项目规划管理报建申请表", "保留", "申请人提供", "一窗收取"),
        ("建设工程设计方案", "保留", "申请人提供", "一窗收取"),
        ("三维仿真建筑精模", "合并到建设工程设计方案中", "申请人提供", "一窗收取"),
        ("外立面装饰细化设计图", "合并到建设工程设计方案中", "申请人提供", "一窗收取"),
    ]
    by_name = {m.name: m for m in stage.materials}
    for name, treatment, source, acquisition in expected:
        assert name in seed
        m = by_name[name]
        assert (m.treatment.value, m.source, m.acquisition) == (treatment, source, acquisition)
    assert stage.outcomes == ["建设工程规划许可证"]
    assert stage.effect == "10项减为3项"


# How many materials the applicant still hands in per stage: 保留 and 前置 items (merged items
# go inside 建设工程设计方案). The table's own 最终成效 (“10项减为3项”) and the plan's
# “36件减少至12件” confirm the reading of blank cells as merged-from-above.
def _still_submitted(kb: KnowledgeBase, stage_id: str) -> int:
    kept = (Treatment.KEEP, Treatment.ADVANCED)
    return sum(m.treatment in kept for m in kb.stage(stage_id).materials)


def test_merged_cell_reading_matches_the_tables_own_totals(kb: KnowledgeBase) -> None:
    for stage in kb.stages:
        found = re.fullmatch(r"(\d+)项减为(\d+)项", stage.effect)
        if found:
            assert int(found[1]) == len(stage.materials), stage.id
            assert int(found[2]) == _still_submitted(kb, stage.id), stage.id
        elif "零材料" in stage.effect:
            assert _still_submitted(kb, stage.id) == 0, stage.id
    total = sum(_still_submitted(kb, s.id) for s in kb.stages)
    assert total == kb.land.headline.materials_after == 12


def test_treatments_per_stage(kb: KnowledgeBase) -> None:
    keep, exempt, advanced, merged = "保留", "免提交", "前置", "合并到建设工程设计方案中"
    expected = {
        "stage_1": [keep] * 3,
        "stage_2": [exempt] * 4 + [advanced],
        "stage_3": [exempt] * 4,
        "stage_4": [exempt] * 5,
        "stage_5": [keep, exempt, exempt, keep, merged, merged, merged, merged, exempt, keep],
        "stage_6": [keep, exempt, keep],
        "stage_7": [keep, exempt, exempt, keep, keep, exempt],
    }
    for stage in kb.stages:
        assert [m.treatment.value for m in stage.materials] == expected[stage.id], stage.id


# Fields that hold ids, enums or user phrasings rather than statements from the documents.
NOT_FACTS = {
    "id",
    "key",
    "kind",
    "owner_source",
    "aliases",
    "topics",
    "term",
    "owners",
    "operators",
    "owns",
    "hotlines",
    "hotline",
    "scheme",
    "stages",
    "packages",
    "primary",
    "owner",
    "fengjie_hotline",
    "nanchuan_scheme",
}


def _strings(obj: object, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(obj, BaseModel):
        for name, value in obj:
            if name not in NOT_FACTS:
                yield from _strings(value, f"{path}.{name}")
    elif isinstance(obj, dict):
        for name, value in obj.items():
            yield from _strings(value, f"{path}.{name}")
    elif isinstance(obj, list | tuple):
        for i, value in enumerate(obj):
            yield from _strings(value, f"{path}[{i}]")
    elif isinstance(obj, str):
        yield path, obj


def _all_strings(kb: KnowledgeBase) -> Iterator[tuple[str, str]]:
    yield from _strings(kb.land, "land")
    yield from _strings(kb.hotline_file, "hotlines")
    yield from _strings(list(kb.units.values()), "units")
    yield from _strings(list(kb.schemes.values()), "schemes")
    yield from _strings(kb.one_thing, "one_thing")


def test_every_stated_string_is_in_the_documents(kb: KnowledgeBase, seed: str) -> None:
    """Anti-invention: names, materials, numbers, units, deadlines are all copied text."""
    strings = list(_all_strings(kb))
    assert len(strings) > 300  # guards against the walk silently skipping fields
    missing = []
    for path, value in strings:
        text = _squash(value)
        # the only allowed addition: the 023- area code on a number printed without it
        if text not in seed and not (text.startswith("023-") and text[4:] in seed):
            missing.append(f"{path}: {value!r}")
    assert not missing, "\n".join(missing)


def test_every_contact_in_the_documents_is_in_the_kb(kb: KnowledgeBase, seed: str) -> None:
    pattern = r"(?:023-)?7\d{7}|96018|12309|[\w.]+@[\w.]+|https?://[\w./]+"
    printed = set(re.findall(pattern, seed))
    assert {"023-71992345", "71992345", "023-71420888", "023-71422479", "023-71422916"} <= printed
    assert {"023-71423026", "96018", "ncjxw71422552@126.com", "http://www.cqnc.gov.cn/"} <= printed
    known = {h.value for h in kb.hotlines.values()} | {h.display for h in kb.hotlines.values()}
    known |= {v.removeprefix("023-") for v in known}
    known |= {m for h in kb.hotlines.values() for m in re.findall(r"\d{5}", h.value)}
    assert printed - known == set()


def test_hotline_facts(kb: KnowledgeBase, seed: str) -> None:
    lines = kb.hotlines
    appeal = lines["appeal_hotline"]
    assert kb.primary_hotline is appeal
    assert (appeal.display, appeal.hours) == ("023-71992345", "上午8:30-下午6:00，节假日不休")
    assert "投诉时间为上午8:30-下午6:00，节假日不休" in seed
    assert lines["gas_hotline"].display == "023-71420888"
    assert lines["land_hotline"].display == "023-71422479"
    assert lines["power_complaint"].display == "023-71422916"
    assert kb.unit_names(lines["power_complaint"].owners) == ["区经济信息委"]
    assert lines["power_email"].value == "ncjxw71422552@126.com"
    assert lines["bidding_hotline"].display == "023-71423026"
    fengjie = lines["fengjie_96018"]
    assert (fengjie.value, fengjie.region.value) == ("96018", "奉节县")
    nanchuan_only = {h.region.value for h in lines.values() if h.id != "fengjie_96018"} - {"奉节县"}
    assert nanchuan_only == {"南川区"}


def test_appeal_process_values(kb: KnowledgeBase, seed: str) -> None:
    appeal = kb.appeal_process
    limits = appeal.time_limits
    assert limits.dispatch_working_days == 1
    assert "1个工作日送达" in seed
    got = {k: (c.label, c.working_days) for k, c in limits.categories.items()}
    assert got == {
        "simple": ("简单问题", 2),
        "general": ("一般问题", 5),
        "complex": ("复杂问题", 10),
    }
    assert "简单问题2个工作日办结，复杂问题不超过10个工作日" in seed
    assert "□一般问题□复杂问题办结时限□2个工作日□5个工作日□10个工作日" in seed
    assert "—".join(appeal.lifecycle) == "收集—交办—办理—反馈—评价—销号—回访"
    assert "“收集—交办—办理—反馈—评价—销号—回访”" in seed
    labels = [f.label for f in appeal.sheet_fields]
    assert labels[:10] == [
        "编号",
        "交办单位",
        "交办时间",
        "企业名称",
        "联系人",
        "诉求内容",
        "问题类型",
        "办结时限",
        "承办单位",
        "办理情况",
    ]
    assert {"销号管理", "企业意见"} <= set(labels)
    assert appeal.sheet_field("number").example == "ncqhww2024-01"
    assert appeal.sheet_field("issuer").value == "区营商办（区发展改革委代章）"
    assert appeal.report_metrics == ["承办量", "办结率", "及时率", "满意率"]


def test_scheme_owners_follow_each_plan_title(kb: KnowledgeBase, seed: str) -> None:
    for scheme in kb.schemes.values():
        owners = "、".join(kb.unit_names(scheme.owners))
        assert _squash(scheme.plan) + owners in seed, scheme.id
    assert kb.units == {u.id: u for u in kb.appeal_process.responsible_units}
    owned = {u.name: u.owns for u in kb.units.values()}
    assert owned["区发展改革委"] == ["bidding", "appeal_process", "best_case"]
    assert kb.unit_names(kb.schemes["appeal_process"].operators) == ["区营商办"]


def test_scheme_spot_checks(kb: KnowledgeBase) -> None:
    startup = kb.schemes["business_startup"].facts
    assert startup["processing_time"] == "0.5天"
    assert len(startup["service_points"]) + len(startup["town_market_supervision_offices"]) == 20
    assert len(startup["town_market_supervision_offices"]) == 16
    assert kb.schemes["power"].facts["connection_limits"] == [
        "低压居民3个工作日内接电",
        "无工程的低压非居4个工作日内接电",
        "有工程的低压非居15天内接电",
        "高压客户竣工报验后5个工作日内送电",
    ]
    assert kb.schemes["bidding"].facts["scope"] == "5万以上400万以下"
    assert kb.schemes["gas"].facts["spot_check"] == "燃气报装抽查比例不低于50%"
    assert kb.schemes["inspection"].facts["departments"] == "11个行业部门"
    best = [(m.name, m.deadline) for m in kb.schemes["best_case"].milestones]
    assert best[0] == ("申报阶段", "2024年11月")
    assert best[-1] == ("表彰奖励", "2025年一季度")


def test_package_rows_match_the_task_table(kb: KnowledgeBase, seed: str) -> None:
    """Units and deadline are the row's last four cells, in column order."""
    numbers = [p.task_number for p in kb.packages.values()]
    assert numbers == list(range(26, 42))
    for p in kb.packages.values():
        coop = "、".join(p.cooperating_units) or "/"
        row_end = f"{p.indicator_lead_unit}{'、'.join(p.lead_units)}{coop}{p.deadline}"
        assert _squash(p.task) + "领取事项" in seed, p.id
        assert row_end in seed, p.id
    startup = kb.packages["enterprise_startup"]
    assert startup.name == "企业开办“一件事”"
    assert startup.components == [
        "企业设立登记",
        "刻制印章",
        "申领发票",
        "就业社保登记",
        "住房公积金登记",
    ]
    assert startup.lead_units == ["县市场监管局"]
    assert kb.packages["marriage"].description == "将结（离）婚涉及的多个办事服务事项进行联办。"
    assert kb.packages["marriage"].components == []


# --- broken files -------------------------------------------------------------------------------

Edit = Callable[[Path], None]


def _yaml_edit(name: str, change: Callable[[Any], None]) -> Edit:
    def edit(directory: Path) -> None:
        path = directory / name
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        change(data)
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")

    return edit


def _text_edit(name: str, old: str, new: str) -> Edit:
    def edit(directory: Path) -> None:
        path = directory / name
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    return edit


def _delete(name: str) -> Edit:
    return lambda directory: (directory / name).unlink()


def _set(path: list[Any], value: Any) -> Callable[[Any], None]:
    def change(data: Any) -> None:
        for key in path[:-1]:
            data = data[key]
        data[path[-1]] = value

    return change


def _drop(path: list[Any]) -> Callable[[Any], None]:
    def change(data: Any) -> None:
        for key in path[:-1]:
            data = data[key]
        del data[path[-1]]

    return change


def _duplicate_hotline_id(data: Any) -> None:
    data["hotlines"][1]["id"] = data["hotlines"][0]["id"]


BROKEN: list[tuple[str, Edit, str]] = [
    (
        "bad enum",
        _yaml_edit("land_approval.yaml", _set(["stages", 2, "materials", 0, "treatment"], "不交")),
        "land_approval.yaml: stages -> 2 -> materials -> 0 -> treatment: "
        "value is not a valid enumeration member",
    ),
    (
        "missing field",
        _yaml_edit("hotlines.yaml", _drop(["hotlines", 1, "value"])),
        "hotlines.yaml: hotlines -> 1 -> value: field required",
    ),
    (
        "missing nested field",
        _yaml_edit("schemes.yaml", _drop(["schemes", 9, "time_limits", "dispatch_working_days"])),
        "schemes.yaml: schemes -> 9 -> time_limits -> dispatch_working_days: field required",
    ),
    (
        "unknown field",
        _yaml_edit("one_thing_packages.yaml", _set(["packages", 3, "colour"], "红")),
        "one_thing_packages.yaml: packages -> 3 -> colour: extra fields not permitted",
    ),
    (
        "appeal-only field on another scheme",
        _yaml_edit("schemes.yaml", _set(["schemes", 0, "lifecycle"], ["收集"])),
        "schemes.yaml: schemes -> 0 -> lifecycle: extra fields not permitted",
    ),
    (
        "empty alias list",
        _yaml_edit("land_approval.yaml", _set(["stages", 0, "aliases"], [])),
        "land_approval.yaml: stages -> 0 -> aliases: ensure this value has at least 1 items",
    ),
    (
        "empty string",
        _yaml_edit("hotlines.yaml", _set(["hotlines", 0, "hours"], "")),
        "hotlines.yaml: hotlines -> 0 -> hours: ensure this value has at least 1 characters",
    ),
    (
        "bad time limit",
        _yaml_edit(
            "schemes.yaml",
            _set(["schemes", 9, "time_limits", "categories", "simple", "working_days"], 0),
        ),
        "schemes.yaml: schemes -> 9 -> time_limits -> categories -> simple -> working_days:",
    ),
    (
        "missing time-limit category",
        _yaml_edit("schemes.yaml", _drop(["schemes", 9, "time_limits", "categories", "general"])),
        "schemes.yaml: schemes -> 9 -> time_limits -> categories: categories must be exactly",
    ),
    (
        "materials out of order",
        _yaml_edit("land_approval.yaml", _set(["stages", 1, "materials", 2, "number"], 9)),
        "land_approval.yaml: stages -> 1: materials must be numbered 1..5",
    ),
    (
        "phone display is not the number",
        _yaml_edit("hotlines.yaml", _set(["hotlines", 1, "display"], "023-71420889")),
        "hotlines.yaml: hotlines -> 1: display '023-71420889' must be the value",
    ),
    (
        "duplicate id",
        _yaml_edit("hotlines.yaml", _duplicate_hotline_id),
        "hotlines.yaml: hotlines -> 1 -> id: duplicate id 'appeal_hotline'",
    ),
    (
        "unknown hotline reference",
        _yaml_edit("schemes.yaml", _set(["schemes", 0, "hotlines"], ["nope"])),
        "schemes.yaml: schemes -> 0 -> hotlines -> 0: unknown reference 'nope'",
    ),
    (
        "unknown unit reference",
        _yaml_edit("hotlines.yaml", _set(["hotlines", 2, "owners"], ["no_such_unit"])),
        "hotlines.yaml: hotlines -> 2 -> owners -> 0: unknown reference 'no_such_unit'",
    ),
    (
        "unknown stage in an ambiguous term",
        _yaml_edit("land_approval.yaml", _set(["ambiguous_terms", 0, "stages", 1], "stage_9")),
        "land_approval.yaml: ambiguous_terms -> 0 -> stages -> 1: unknown reference 'stage_9'",
    ),
    (
        "unknown primary hotline",
        _yaml_edit("hotlines.yaml", _set(["primary"], "nope")),
        "hotlines.yaml: primary: unknown reference 'nope'",
    ),
    (
        "unit ownership disagrees with the schemes",
        _yaml_edit("schemes.yaml", _set(["schemes", 9, "responsible_units", 0, "owns"], [])),
        "schemes.yaml: schemes -> 9 -> responsible_units -> 0 -> owns: must list exactly its",
    ),
    (
        "unknown scheme id",
        _yaml_edit("schemes.yaml", _set(["schemes", 1, "id"], "startup")),
        "schemes.yaml: schemes -> 1 -> id: unknown scheme id 'startup'",
    ),
    (
        "alias names two stages",
        _yaml_edit("land_approval.yaml", _set(["stages", 0, "aliases", 0], "出让合同")),
        "land_approval.yaml: stages -> 1 -> aliases -> 0: '出让合同' also names stage_1",
    ),
    (
        "package count disagrees",
        _yaml_edit("one_thing_packages.yaml", _set(["package_count"], 15)),
        "one_thing_packages.yaml: package_count is 15 but 16 packages are listed",
    ),
    (
        "component not in the task text",
        _yaml_edit("one_thing_packages.yaml", _set(["packages", 0, "components", 0], "办房产证")),
        "one_thing_packages.yaml: packages -> 0: '办房产证' is not part of the task text",
    ),
    (
        "land milestones disagree with the scheme",
        _yaml_edit(
            "land_approval.yaml", _set(["headline", "milestones", 1, "deadline"], "2024年8月")
        ),
        "land_approval.yaml: headline -> milestones: differ from schemes.yaml",
    ),
    (
        "YAML syntax error",
        _text_edit("land_approval.yaml", "stages:\n", "stages: [\n"),
        "land_approval.yaml: YAML syntax error",
    ),
    (
        "duplicate YAML key",
        _text_edit("hotlines.yaml", "    kind: phone\n", "    kind: phone\n    kind: email\n"),
        "hotlines.yaml: YAML syntax error: duplicate key 'kind'",
    ),
    (
        "missing file",
        _delete("one_thing_packages.yaml"),
        "one_thing_packages.yaml: file not found",
    ),
]


@pytest.mark.parametrize(("edit", "expected"), [b[1:] for b in BROKEN], ids=[b[0] for b in BROKEN])
def test_broken_files_are_rejected_naming_file_and_field(
    tmp_path: Path, edit: Edit, expected: str
) -> None:
    directory = tmp_path / "knowledge"
    shutil.copytree(DEFAULT_DIR, directory, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    load_knowledge(directory)  # the unbroken copy loads
    edit(directory)
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(directory)
    assert expected in str(caught.value)


# --- generated NLU lookup tables ----------------------------------------------------------------


def test_committed_lookups_are_up_to_date() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_nlu_lookups.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_lookup_check_fails_on_a_stale_file(tmp_path: Path) -> None:
    stale = tmp_path / "lookups.yml"
    committed = (ROOT / "data" / "nlu" / "lookups.yml").read_text(encoding="utf-8")
    stale.write_text(committed.replace("    - 工程规划许可证\n", ""), encoding="utf-8")
    script = ROOT / "scripts" / "gen_nlu_lookups.py"
    command = [sys.executable, str(script), "--check", "--output", str(stale)]
    assert subprocess.run(command, capture_output=True, check=False).returncode == 1


def test_lookup_tables_cover_the_kb(kb: KnowledgeBase) -> None:
    data = yaml.safe_load((ROOT / "data" / "nlu" / "lookups.yml").read_text(encoding="utf-8"))
    assert data["version"] == "3.1"
    tables = {t["lookup"]: t["examples"] for t in data["nlu"]}
    assert set(tables) == {"stage", "hotline_topic", "package"}
    for stage in kb.stages:
        assert f"- {stage.name}\n" in tables["stage"]
    assert "- 燃气\n" in tables["hotline_topic"]
    assert "- 企业开办一件事\n" in tables["package"]
