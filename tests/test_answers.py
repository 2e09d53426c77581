"""Resolvers find what the user meant; renderers state the KB's facts and nothing else."""

from __future__ import annotations

import re
import shutil
from collections.abc import Sequence
from pathlib import Path

import pytest

from bot.answers import (
    Answer,
    Button,
    answer_fallback,
    answer_help,
    answer_hotline,
    answer_materials,
    answer_package,
    answer_scheme,
    resolve_hotlines,
    resolve_packages,
    resolve_stages,
)
from bot.knowledge import (
    Hotline,
    KnowledgeBase,
    Package,
    Region,
    Stage,
    Treatment,
    load_knowledge,
)
from bot.knowledge.loader import DEFAULT_DIR
from tests.seeds import seed_text

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge()


@pytest.fixture(scope="module")
def seed() -> str:
    return seed_text()


def _ids(items: Sequence[Stage | Hotline | Package]) -> list[str]:
    return [i.id for i in items]


def _numbers(text: str) -> set[str]:
    return set(re.findall(r"\d{5,}", text))


# --- stages -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("办建设工程规划许可要交啥材料", ["stage_5"]),
        ("建设工程规划许可证需要什么", ["stage_5"]),
        ("工程规划许可证", ["stage_5"]),
        ("规划许可证要啥材料", ["stage_3", "stage_5"]),
        ("规划许可", ["stage_3", "stage_5"]),
        ("建设用地规划许可证要哪些材料", ["stage_3"]),
        ("用地规划许可", ["stage_3"]),
        ("竣工验收要准备什么", ["stage_6"]),
        ("规划核验", ["stage_6"]),
        ("建设工程规划核验(验收)", ["stage_6"]),
        ("房屋首次登记", ["stage_7"]),
        ("房屋所有权首次登记要交什么", ["stage_7"]),
        ("土地首次登记", ["stage_4"]),
        ("首次登记", ["stage_4", "stage_7"]),
        ("不动产首次登记", ["stage_4", "stage_7"]),
        ("签出让合同要什么", ["stage_2"]),
        ("用地规划条件集成", ["stage_1"]),
        ("第三个环节", ["stage_3"]),
        ("stage_5", ["stage_5"]),
        ("STAGE_2", ["stage_2"]),
        ("明天天气怎么样", []),
        ("", []),
        (None, []),
    ],
)
def test_resolve_stages(kb: KnowledgeBase, query: str | None, expected: list[str]) -> None:
    assert _ids(resolve_stages(query, kb)) == expected


def test_every_stage_name_alias_and_id_resolves_to_itself(kb: KnowledgeBase) -> None:
    for stage in kb.stages:
        for term in [stage.id, stage.name, *stage.aliases]:
            assert _ids(resolve_stages(term, kb)) == [stage.id], term


def test_materials_answer_lists_every_material_and_the_outcome(kb: KnowledgeBase) -> None:
    hotline = kb.hotlines[kb.land.headline.hotline]
    for stage in kb.stages:
        answer = answer_materials(stage.id, kb)
        assert answer.buttons == ()
        assert stage.name in answer.text
        for material in stage.materials:
            assert material.name in answer.text, (stage.id, material.name)
        for outcome in stage.outcomes:
            assert outcome in answer.text
        assert stage.effect in answer.text
        assert hotline.display in answer.text


def test_stage_5_answer_separates_what_to_bring_from_what_is_exempt(kb: KnowledgeBase) -> None:
    text = answer_materials("办建设工程规划许可要交啥材料", kb).text
    for fact in ["建设工程设计方案", "建设项目规划管理报建申请表", "10项减为3项", "023-71422479"]:
        assert fact in text
    bring, rest = text.split("需要您提供：")[1].split("无需提交（由部门获取）：")
    stage = kb.stage("stage_5")
    for m in stage.materials:
        in_bring = m.name in bring
        assert in_bring == (m.treatment is not Treatment.EXEMPT), m.name
        assert (m.name in rest) == (m.treatment is Treatment.EXEMPT), m.name
    assert "合并到建设工程设计方案中" in bring
    assert "接口共享" in rest  # 来源渠道/获取方式 of exempt items are shown


def test_advanced_material_is_explained(kb: KnowledgeBase) -> None:
    text = answer_materials("土地出让合同", kb).text
    assert "前置" in text
    assert "不动产登记申请书" in text.split("前置")[1]


def test_ambiguous_stage_asks_with_buttons(kb: KnowledgeBase) -> None:
    answer = answer_materials("规划许可证要啥材料", kb)
    assert [b.payload for b in answer.buttons] == [
        '/ask_materials{"stage":"stage_3"}',
        '/ask_materials{"stage":"stage_5"}',
    ]
    assert [b.title for b in answer.buttons] == ["建设用地规划许可证", "建设工程规划许可"]
    assert "？" in answer.text
    assert "建设工程设计方案" not in answer.text  # no list until the user chooses


def test_button_payload_round_trips(kb: KnowledgeBase) -> None:
    for button in answer_materials(None, kb).buttons:
        stage_id = re.fullmatch(r'/ask_materials\{"stage":"(stage_\d)"\}', button.payload)
        assert stage_id, button.payload
        assert _ids(resolve_stages(stage_id[1], kb)) == [stage_id[1]]


def test_unknown_stage_lists_all_stages(kb: KnowledgeBase) -> None:
    answer = answer_materials("我想问问", kb)
    assert len(answer.buttons) == len(kb.stages) == 7
    for stage in kb.stages:
        assert stage.name in answer.text


# --- hotlines -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected_first", "number"),
    [
        ("燃气报装打哪个电话", "gas_hotline", "023-71420888"),
        ("天然气怎么报装", "gas_hotline", "023-71420888"),
        ("停电了找谁", "power_complaint", "023-71422916"),
        ("企业有诉求打啥电话", "appeal_hotline", "023-71992345"),
        ("一码办咨询电话多少", "land_hotline", "023-71422479"),
        ("招投标监管热线", "bidding_hotline", "023-71423026"),
        ("71422916是哪里的电话", "power_complaint", "023-71422916"),
        ("gas_hotline", "gas_hotline", "023-71420888"),
    ],
)
def test_hotline_by_topic(kb: KnowledgeBase, query: str, expected_first: str, number: str) -> None:
    found = resolve_hotlines(query, kb)
    assert found and found[0].id == expected_first
    answer = answer_hotline(query, kb)
    assert number in answer.text
    assert kb.hotlines[expected_first].name in answer.text


def test_gas_answer_states_only_the_gas_number(kb: KnowledgeBase) -> None:
    assert _numbers(answer_hotline("燃气报装打哪个电话", kb).text) == {"71420888"}


def test_appeal_hotline_answer_has_owner_and_hours(kb: KnowledgeBase) -> None:
    text = answer_hotline("我要反映问题", kb).text
    assert "023-71992345" in text
    assert "上午8:30-下午6:00，节假日不休" in text
    assert "区营商办" in text


def test_every_hotline_renders(kb: KnowledgeBase) -> None:
    for line in kb.hotlines.values():
        text = answer_hotline(line.id, kb).text
        assert line.display in text, line.id
        if line.purpose:
            assert line.purpose in text
        if line.hours:
            assert line.hours in text
        if line.region is Region.FENGJIE:
            assert "奉节县" in text and "不是南川区" in text, line.id


def test_unknown_topic_lists_nanchuan_phones_with_buttons(kb: KnowledgeBase) -> None:
    answer = answer_hotline("随便问问", kb)
    phones = [h for h in kb.hotlines.values() if h.is_phone and h.region is Region.NANCHUAN]
    assert len(phones) == 5
    for line in phones:
        assert line.display in answer.text
    assert "96018" not in answer.text  # Fengjie's line is not offered as Nanchuan's
    payloads = [b.payload for b in answer.buttons]
    assert payloads[0] == '/ask_hotline{"hotline_topic":"appeal_hotline"}'
    assert len(payloads) == len(phones)
    for button in answer.buttons:
        topic = re.fullmatch(r'/ask_hotline\{"hotline_topic":"([a-z0-9_]+)"\}', button.payload)
        assert topic and _ids(resolve_hotlines(topic[1], kb)) == [topic[1]]


# --- schemes ------------------------------------------------------------------------------------


def test_every_scheme_renders_its_facts(kb: KnowledgeBase) -> None:
    for scheme in kb.schemes.values():
        text = answer_scheme(scheme.id, kb).text
        assert scheme.name in text
        for line in scheme.summary:
            assert line in text, (scheme.id, line)
        for milestone in scheme.milestones:
            assert milestone.deadline in text
        for hotline_id in scheme.hotlines:
            assert kb.hotlines[hotline_id].display in text
        for unit in kb.unit_names(scheme.owners):
            assert unit in text


@pytest.mark.parametrize(
    ("scheme_id", "fact"),
    [
        ("power", "低压居民3个工作日内接电"),
        ("power", "023-71422916"),
        ("gas", "023-71420888"),
        ("gas", "抽查比例不低于50%"),
        ("water", "60天内"),
        ("business_startup", "0.5天"),
        ("bidding", "5万以上400万以下"),
        ("bidding", "023-71423026"),
        ("appeal_process", "简单问题2个工作日办结，复杂问题不超过10个工作日"),
        ("inspection", "每个企业同一季度只接受一次综合执法检查"),
        ("energy_diagnosis", "1元/度"),
        ("best_case", "2025年一季度"),
        ("land_approval", "023-71422479"),
    ],
)
def test_scheme_facts(kb: KnowledgeBase, seed: str, scheme_id: str, fact: str) -> None:
    assert fact in seed
    assert fact in answer_scheme(scheme_id, kb).text


def test_unknown_scheme_is_a_key_error(kb: KnowledgeBase) -> None:
    with pytest.raises(KeyError):
        answer_scheme("no_such_scheme", kb)


# --- one-thing packages -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("企业开办一件事包括哪些", ["enterprise_startup"]),
        ("开公司要办哪些", ["enterprise_startup"]),
        ("结婚要办什么", ["marriage"]),
        ("生娃以后要办啥", ["newborn"]),
        ("办退休", ["retirement"]),
        ("开饭店", ["catering"]),
        ("残疾证", ["disability"]),
        ("家里老人去世了", ["after_death"]),
        ("孩子上学报名", ["school_enrolment"]),
        ("招员工", ["employee_hiring"]),
        ("灵活就业", ["flexible_employment"]),
        ("大学生创业", ["graduate_startup"]),
        ("二手房过户", ["second_hand_house_transfer"]),
        ("抵押预告", ["existing_house_notice"]),
        ("退役军人", ["veteran_retirement"]),
        ("企业简易注销", ["simple_deregistration"]),
        ("就业登记", ["employee_hiring", "flexible_employment"]),
        ("newborn", ["newborn"]),
        ("今天吃什么", []),
        (None, []),
    ],
)
def test_resolve_packages(kb: KnowledgeBase, query: str | None, expected: list[str]) -> None:
    assert _ids(resolve_packages(query, kb)) == expected


def test_every_package_name_alias_and_id_resolves_to_itself(kb: KnowledgeBase) -> None:
    for package in kb.packages.values():
        for term in [package.id, package.name, *package.aliases]:
            assert _ids(resolve_packages(term, kb)) == [package.id], term


def test_package_answer(kb: KnowledgeBase) -> None:
    text = answer_package("企业开办一件事包括哪些", kb).text
    package = kb.packages["enterprise_startup"]
    for fact in ["刻制印章", "申领发票", "县市场监管局", "2023年4月", "奉节县", "96018"]:
        assert fact in text
    for unit in package.cooperating_units:
        assert unit in text
    assert "不是南川区" in text


def test_every_package_renders(kb: KnowledgeBase) -> None:
    for package in kb.packages.values():
        text = answer_package(package.id, kb).text
        assert package.name in text
        for part in package.components:
            assert part in text
        if package.description:
            assert package.description in text
        assert package.deadline in text


def test_ambiguous_and_unknown_packages_ask_with_buttons(kb: KnowledgeBase) -> None:
    answer = answer_package("就业登记", kb)
    assert [b.payload for b in answer.buttons] == [
        '/ask_one_thing{"package":"employee_hiring"}',
        '/ask_one_thing{"package":"flexible_employment"}',
    ]
    listing = answer_package(None, kb)
    assert len(listing.buttons) == 16
    assert "16个套餐服务" in listing.text
    assert "奉节县" in listing.text


# --- help and fallback --------------------------------------------------------------------------


def test_help_lists_capabilities_and_the_hotline(kb: KnowledgeBase) -> None:
    answer = answer_help(kb)
    for word in [
        "材料",
        "热线",
        "一件事一次办",
        "提交企业诉求",
        "查询诉求办理进度",
        "023-71992345",
    ]:
        assert word in answer.text
    assert _numbers(answer.text) == {"71992345"}
    assert all(b.payload.startswith("/") for b in answer.buttons)


def test_fallback_offers_only_the_general_hotline(kb: KnowledgeBase) -> None:
    answer = answer_fallback(kb)
    assert "023-71992345" in answer.text
    assert "上午8:30-下午6:00，节假日不休" in answer.text
    assert _numbers(answer.text) == {"71992345"}
    assert "抱歉" in answer.text
    for line in kb.hotlines.values():
        if line.id != kb.primary_hotline.id:
            assert line.display not in answer.text


def test_default_kb_is_used_when_none_is_given() -> None:
    assert answer_fallback() == answer_fallback(load_knowledge())
    assert isinstance(answer_materials("stage_1"), Answer)


# --- no facts in the code -----------------------------------------------------------------------


def test_answers_module_holds_no_facts(kb: KnowledgeBase) -> None:
    source = (ROOT / "bot" / "answers.py").read_text(encoding="utf-8")
    assert not re.findall(r"\d{3,}", source)
    assert "个工作日" not in source
    facts = [h.value for h in kb.hotlines.values()] + [h.display for h in kb.hotlines.values()]
    facts += [m.name for s in kb.stages for m in s.materials if len(m.name) > 4]
    facts += [s.effect for s in kb.stages] + [p.name for p in kb.packages.values()]
    for fact in facts:
        assert fact not in source, fact


def test_answers_follow_the_kb(tmp_path: Path) -> None:
    """Change the number in the YAML and every answer changes: nothing is cached in code."""
    directory = tmp_path / "knowledge"
    shutil.copytree(DEFAULT_DIR, directory, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    path = directory / "hotlines.yaml"
    path.write_text(path.read_text("utf-8").replace("71992345", "70000000"), "utf-8")
    changed = load_knowledge(directory)
    assert _numbers(answer_fallback(changed).text) == {"70000000"}
    assert "70000000" in answer_help(changed).text


def test_answers_are_plain_text(kb: KnowledgeBase) -> None:
    answers = [answer_materials(s.id, kb) for s in kb.stages]
    answers += [answer_scheme(s, kb) for s in kb.schemes]
    answers += [answer_package(p, kb) for p in kb.packages]
    answers += [answer_hotline(None, kb), answer_help(kb), answer_fallback(kb)]
    for answer in answers:
        assert "|" not in answer.text and "**" not in answer.text and "#" not in answer.text
        assert all(isinstance(b, Button) for b in answer.buttons)
