"""The knowledge search and the answering layer's decision rule (bot.search), in our own words."""

from __future__ import annotations

import pytest

from bot.knowledge import get_knowledge
from bot.search import build_search, fallback, is_complaint, other_place, route
from bot.search.context import Topic, hotlines_of, last_topic
from bot.search.text import expand, longest_common, norm, notes_of, strip_notes


@pytest.fixture(scope="module")
def kb():
    return get_knowledge()


@pytest.fixture(scope="module")
def search(kb):
    return build_search(kb)


# --- text ---------------------------------------------------------------------------------------


def test_norm_unifies_width_and_drops_punctuation() -> None:
    assert norm("１：500 现状地形图，") == "1500现状地形图"


def test_notes_and_core_of_a_material_name() -> None:
    name = "1：500现状地形图（含地下管网及地下建（构）筑物）（如现势性时限超一年须由企业提供）"
    assert strip_notes(name) == "1:500现状地形图"
    assert notes_of(name)[-1] == "如现势性时限超一年须由企业提供"


def test_longest_common_substring() -> None:
    assert longest_common("要带营业执照复印件", "营业执照") == 4
    assert longest_common("abc", "") == 0


def test_synonyms_add_the_knowledge_base_word() -> None:
    assert "区规划自然资源局" in expand("规资局电话")
    assert "燃气" in expand("天然气开户")


# --- the index ----------------------------------------------------------------------------------


def test_every_material_outcome_hotline_and_package_is_a_unit(kb, search) -> None:
    ids = {u.id for u in search.units}
    materials = sum(len(s.materials) for s in kb.stages)
    assert sum(u.kind == "material" for u in search.units) == materials
    assert {f"hotline.{h}" for h in kb.hotlines} <= ids
    assert {f"package.{p}" for p in kb.packages} <= ids
    assert all(u.answer for u in search.units)


def test_hits_are_ranked_with_scores(search) -> None:
    hits = search.search("限额以下工程的监督电话", k=3)
    assert "bidding" in hits[0].unit.id
    assert hits[0].score >= hits[-1].score > 0


def test_a_typo_still_finds_the_gas_line(search) -> None:
    assert search.search("燃汽开户电化", k=1)[0].unit.topic == "hotline:gas_hotline"


# --- one material, an outcome, an effect --------------------------------------------------------


def test_one_material_in_a_named_stage_states_its_row(kb) -> None:
    answer = route("办用地规划许可证的时候 报建申请表用不用我们带", kb).answer
    assert answer is not None
    assert "建设项目规划管理报建申请表" in answer.text
    assert "免提交" in answer.text and "国土空间信息平台" in answer.text
    assert "一窗收取" not in answer.text  # stage 5's row, not asked about
    assert any("全部材料" in b.title for b in answer.buttons)


def test_a_material_of_several_stages_is_answered_for_each(kb) -> None:
    text = route("不动产登记申请书到底谁来填", kb).answer.text  # type: ignore[union-attr]
    for stage_id in ("stage_2", "stage_4", "stage_7"):
        assert kb.stage(stage_id).name in text


def test_what_you_get_after_a_stage(kb) -> None:
    text = route("规划核验弄完了给我们发个啥", kb).answer.text  # type: ignore[union-attr]
    assert "竣工规划核实确认书" in text


def test_how_many_materials_were_cut(kb) -> None:
    text = route("签出让合同那一步现在少交了几样", kb).answer.text  # type: ignore[union-attr]
    assert "5项减为1项" in text


def test_a_note_inside_a_material_name_is_stated(kb) -> None:
    text = route("办工程规划许可 土地使用证明文件还没进不动产登记系统咋办", kb).answer.text  # type: ignore[union-attr]
    assert "需由申请人提供" in text


def test_a_plain_list_question_is_left_to_the_list_answer(kb) -> None:
    assert route("房屋首次登记要准备哪些材料", kb).kind == "none"


@pytest.mark.parametrize(
    "text",
    [
        "出让国有建设用地使用权首次登记要哪些材料",  # the stage's name shares 国有建设用地使用权…
        "国有建设用地使用权及房屋所有权首次登记 要交啥子",
    ],
)
def test_a_stage_named_in_full_is_not_one_of_its_materials(kb, text: str) -> None:
    assert route(text, kb).kind == "none"


def test_follow_up_on_the_current_stage(kb) -> None:
    answer = route("不用我们交的那些从哪来", kb, kb.stage("stage_4")).answer
    assert answer is not None and "不动产登记系统" in answer.text


# --- complaints and other places ----------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "供电那边拖了二十天还没通电 我要投诉",
        "想反映下园区门口的路灯一直不亮",
        "提个诉求 厂房手续卡住了",
    ],
)
def test_complaints_start_an_appeal(text: str) -> None:
    assert is_complaint(text)


@pytest.mark.parametrize(
    "text", ["燃气报装投诉电话是多少", "办电的问题找哪个部门投诉", "投诉流程是啥"]
)
def test_questions_about_complaining_are_not_complaints(text: str) -> None:
    assert not is_complaint(text)


def test_other_places_are_recognised_but_not_home(kb) -> None:
    assert other_place("万盛那边的燃气电话") == "万盛"
    assert other_place("合川区开办企业要多久") == "合川区"
    assert other_place("南川区燃气报装电话") is None
    assert other_place("奉节县的一件事") is None
    answer = route("璧山的用地审批热线多少", kb).answer
    assert answer is not None and "南川区" in answer.text
    assert "71422479" not in answer.text


# --- the fallback layer -------------------------------------------------------------------------


def test_unknown_topics_get_suggestions_never_a_fact(kb) -> None:
    decision = fallback("驾照换证去哪里", kb)
    assert decision.kind == "suggest"
    assert decision.answer is not None and "023-71992345" in decision.answer.text


def test_a_confident_search_states_the_fact(kb) -> None:
    decision = fallback("奉节企业简易注销一件事 包括哪些事项", kb)
    assert decision.kind == "fact"
    assert decision.answer is not None and "税务注销" in decision.answer.text


# --- context ------------------------------------------------------------------------------------


def test_last_topic_comes_from_the_latest_message_that_has_one(kb) -> None:
    history = [("电话呢", "ask_hotline"), ("燃气报装多久能通气", "ask_scheme_gas")]
    topic = last_topic(history, kb)
    assert topic == Topic("scheme", "gas")
    assert hotlines_of(topic, kb)[0] == "gas_hotline"
    assert last_topic([("你好", "greet")], kb) is None


# --- follow-ups and notes -----------------------------------------------------------------------


def test_hours_not_in_the_documents_are_said_to_be_missing(kb) -> None:
    from bot.search.followup import follow_up

    answer = follow_up("中午有人接不", Topic("hotline", "bidding_hotline"), kb)
    assert answer is not None
    assert "023-71423026" in answer.text and "没有写明" in answer.text


def test_a_topic_without_a_number_says_so_and_names_its_channels(kb) -> None:
    from bot.search.followup import follow_up

    answer = follow_up("有电话没", Topic("scheme", "water"), kb)
    assert answer is not None and "没有给出" in answer.text
    assert "023-71420888" not in answer.text


def test_this_year_is_not_the_documents_year() -> None:
    from bot.search.followup import year_note

    note = year_note("今年啥时候开始", "网络票选：2024年11月")
    assert note is not None and "2024" in note and "没有公布" in note
    assert year_note("啥时候开始", "2024年11月") is None


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("3", 3),
        ("３", 3),
        ("第三个", 3),
        ("那第一个呢", 1),
        ("选2", 2),
        ("好的", None),
        ("110", None),
    ],
)
def test_typed_choices(text: str, number: int | None) -> None:
    from bot.search.picker import parse_choice

    assert parse_choice(text) == number


def test_a_material_word_alone_is_not_a_stage_question(kb) -> None:
    assert route("在南川开个公司营业执照几天能下来", kb).kind == "none"


def test_an_english_question_gets_the_number_and_a_language_note(kb) -> None:
    answer = fallback("gas connection phone number please", kb).answer
    assert answer is not None
    assert "023-71420888" in answer.text and "Chinese" in answer.text


def test_a_stage_name_with_one_wrong_character_is_put_right(kb) -> None:
    from bot.search.router import correct_stage_typos

    assert "建设工程规划许可" in correct_stage_typos("建设工成规划许可要带啥", kb)
    assert correct_stage_typos("燃气报装电话", kb) == "燃气报装电话"


def test_a_problem_asked_as_how_to_complain_is_a_complaint() -> None:
    assert is_complaint("物业把我们厂的消防通道堵了半年，说了也不改，这个怎么投诉")
    assert not is_complaint("超时了不给接电 可以找哪里投诉")


def test_when_will_someone_call_after_an_appeal(kb) -> None:
    from bot.search.followup import appeal_timing

    answer = appeal_timing("提交了之后好久有人联系", kb)
    assert answer is not None and "1个工作日" in answer.text
    assert appeal_timing("燃气报装电话", kb) is None


def test_the_home_district_after_another_places_line(kb) -> None:
    from bot.search.followup import follow_up

    answer = follow_up("那南川的呢", Topic("hotline", "fengjie_96018"), kb)
    assert answer is not None and "023-71992345" in answer.text


def test_how_many_fengjie_packages(kb) -> None:
    answer = fallback("奉节那个一件事套餐一共有几个", kb).answer
    assert answer is not None and "16" in answer.text


def test_a_scheme_without_a_number_says_so(kb) -> None:
    from bot.search.router import contact_answer

    answer = contact_answer("自来水报装有没有专门的电话", kb)
    assert answer is not None and "没有给出" in answer.text
    assert "023-71420888" not in answer.text
    assert contact_answer("驾校报名电话多少", kb) is None


def test_emoji_and_insults_get_a_short_calm_reply(kb) -> None:
    assert route("👌👌", kb).kind == "chat"
    insult = route("你这个智障客服", kb)
    assert insult.kind == "chat" and insult.answer is not None
    assert "023-71992345" in insult.answer.text
    assert route("窗口的人骂我们是废物 我要投诉", kb).kind == "appeal"


def test_naming_nanchuan_too_keeps_the_question_ours() -> None:
    assert other_place("人在重庆主城 江北这边 想问南川燃气报装电话") is None


def test_a_described_problem_with_how_to_complain_is_not_a_channel_question(kb) -> None:
    from bot.search.router import channel_question

    assert channel_question("燃气公司收了三千多安装费 明细都不给 这种咋个投诉", kb) is None
    assert channel_question("燃气报装的投诉电话是多少", kb) is not None


def test_the_whole_process_and_a_synonym_of_a_material(kb) -> None:
    whole = route("一码办全部环节加起来少了多少材料", kb, kb.stage("stage_3")).answer
    assert whole is not None and "36件减少至12件" in whole.text
    assert route("燃气报装一共要几天", kb).kind == "none"
    id_card = route("那身份证呢", kb, kb.stage("stage_6")).answer
    assert id_card is not None and "公安局或市场监管局" in id_card.text
