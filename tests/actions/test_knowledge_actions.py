"""Every knowledge action, run with rasa-sdk's Tracker and CollectingDispatcher."""

from __future__ import annotations

import re

import pytest
from rasa_sdk.events import SlotSet

from actions.knowledge_actions import (
    ActionAnswerHotline,
    ActionAnswerMaterials,
    ActionAnswerOneThing,
    ActionAnswerScheme,
    ActionFallback,
    ActionHelp,
)
from bot.knowledge import get_knowledge
from tests.actions.helpers import entity, payloads, run, texts, tracker


def test_materials_by_entity_lists_what_to_bring_and_what_is_exempt() -> None:
    t = tracker(
        "办建设工程规划许可要交啥材料", "ask_materials", [entity("stage", "建设工程规划许可")]
    )
    messages, events = run(ActionAnswerMaterials(), t)
    reply = texts(messages)
    assert "建设工程设计方案" in reply  # 保留: the applicant brings it
    assert "土地使用证明文件及附图" in reply  # 免提交: the office gets it
    assert "不动产登记系统" in reply  # ... from this source channel
    assert "10项减为3项" in reply
    assert events == [SlotSet("stage", None)]


def test_materials_from_text_when_no_entity_was_extracted() -> None:
    t = tracker("规划核验要带什么", "ask_materials")
    reply = texts(run(ActionAnswerMaterials(), t)[0])
    assert "重庆市房屋建筑和市政基础设施工程竣工联合验收申报表" in reply


def test_ambiguous_stage_gets_buttons() -> None:
    t = tracker("规划许可证要啥材料", "ask_materials", [entity("stage", "规划许可证")])
    messages, _ = run(ActionAnswerMaterials(), t)
    assert set(payloads(messages)) >= {
        '/ask_materials{"stage":"stage_3"}',
        '/ask_materials{"stage":"stage_5"}',
    }


def test_button_payload_id_answers_that_stage() -> None:
    t = tracker('/ask_materials{"stage":"stage_7"}', "ask_materials", [entity("stage", "stage_7")])
    reply = texts(run(ActionAnswerMaterials(), t)[0])
    assert "房地产调查报告" in reply
    assert "6项减为3项" in reply


def test_hotline_for_gas_installation() -> None:
    t = tracker("燃气报装打哪个电话", "ask_hotline", [entity("hotline_topic", "燃气报装")])
    reply = texts(run(ActionAnswerHotline(), t)[0])
    assert "023-71420888" in reply


def test_hotline_without_topic_lists_nanchuan_numbers() -> None:
    reply = texts(run(ActionAnswerHotline(), tracker("热线电话多少", "ask_hotline"))[0])
    for number in ("71992345", "71420888", "71422479", "71422916", "71423026"):
        assert number in reply


@pytest.mark.parametrize("scheme_id", sorted(get_knowledge().schemes))
def test_every_scheme_intent_is_answered_from_its_scheme(scheme_id: str) -> None:
    messages, _ = run(ActionAnswerScheme(), tracker("问一下", f"ask_scheme_{scheme_id}"))
    reply = texts(messages)
    assert get_knowledge().schemes[scheme_id].name in reply


def test_power_scheme_states_the_time_limits() -> None:
    reply = texts(run(ActionAnswerScheme(), tracker("低压居民接电要几天", "ask_scheme_power"))[0])
    assert "低压居民3个工作日内接电" in reply


def test_package_by_entity() -> None:
    t = tracker("企业开办一件事包括哪些", "ask_one_thing", [entity("package", "企业开办")])
    reply = texts(run(ActionAnswerOneThing(), t)[0])
    assert "刻制印章" in reply and "县市场监管局" in reply


def test_help_and_fallback_offer_the_appeal_hotline_and_nothing_else() -> None:
    help_text = texts(run(ActionHelp(), tracker("你好", "greet"))[0])
    assert "71992345" in help_text
    fallback = texts(run(ActionFallback(), tracker("今天天气", "out_of_scope"))[0])
    assert set(re.findall(r"\d{5,}", fallback)) == {"71992345"}


# --- the answering layer (bot.search) inside the actions -------------------------------------


def _with_history(t, earlier: list[tuple[str, str]]):
    """Put earlier user messages (text, intent) before the tracker's latest one."""
    past = [
        {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}}
        for text, intent in earlier
    ]
    t.events[:0] = past
    return t


def test_a_complaint_under_a_scheme_intent_opens_the_appeal_form() -> None:
    t = tracker("燃气公司上门勘查后半个月都不给方案 我要投诉", "ask_scheme_gas")
    _, events = run(ActionAnswerScheme(), t)
    assert any(e.get("name") == "appeal_form" for e in events if e["event"] == "followup")
    content = [e["value"] for e in events if e.get("name") == "appeal_content"]
    assert content and "燃气公司" in content[-1]


def test_one_material_gets_its_row_and_a_button_for_the_whole_list() -> None:
    t = tracker("房屋首次登记 房地产调查报告是不是还要我们交", "ask_materials")
    messages, _ = run(ActionAnswerMaterials(), t)
    assert "房地产调查报告：仍需您提交" in texts(messages)
    assert any("stage_7" in p for p in payloads(messages))


def test_phone_follow_up_gives_the_topics_number_not_the_directory() -> None:
    t = _with_history(
        tracker("电话呢", "ask_hotline"), [("限下项目怎么发包", "ask_scheme_bidding")]
    )
    messages, _ = run(ActionAnswerHotline(), t)
    reply = texts(messages)
    assert "023-71423026" in reply
    assert "023-71420888" not in reply


def test_fallback_suggests_questions_with_the_general_line() -> None:
    t = tracker("办居住证要带啥", "nlu_fallback")
    messages, _ = run(ActionFallback(), t)
    assert "023-71992345" in texts(messages)


def test_a_typed_number_picks_the_pickers_button() -> None:
    t = tracker("第二个", "nlu_fallback")
    picker = {
        "event": "bot",
        "text": "请问您要办理哪一个？",
        "data": {
            "buttons": [
                {"title": "建设用地规划许可证", "payload": '/ask_materials{"stage":"stage_3"}'},
                {"title": "建设工程规划许可", "payload": '/ask_materials{"stage":"stage_5"}'},
            ]
        },
    }
    t.events.insert(0, picker)
    messages, _ = run(ActionFallback(), t)
    assert "【建设工程规划许可】" in texts(messages)


def test_goodbye_that_is_a_number_at_a_picker_picks() -> None:
    from actions.knowledge_actions import ActionGoodbye

    t = tracker("1", "goodbye")
    t.events.insert(
        0,
        {
            "event": "bot",
            "text": "请选择：",
            "data": {"buttons": [{"title": "x", "payload": '/ask_materials{"stage":"stage_2"}'}]},
        },
    )
    messages, _ = run(ActionGoodbye(), t)
    assert "【土地出让合同】" in texts(messages)
    messages, _ = run(ActionGoodbye(), tracker("拜拜", "goodbye"))
    assert messages[0].get("response") == "utter_goodbye"


def test_a_yes_or_no_that_is_a_follow_up_is_answered() -> None:
    from actions.knowledge_actions import ActionAcknowledge

    t = _with_history(
        tracker("那营业执照要我们自己交不", "deny"), [("签土地出让合同要交啥", "ask_materials")]
    )
    messages, _ = run(ActionAcknowledge(), t)
    assert "交易中心移交" in texts(messages)
    messages, _ = run(ActionAcknowledge(), tracker("好的谢谢", "affirm"))
    assert messages[0].get("response") == "utter_anything_else"


def test_a_phone_correction_at_the_read_back_is_applied() -> None:
    slots = {
        "appeal_pending": True,
        "enterprise_name": "南川区青木家具有限公司",
        "contact_name": "吴敏",
        "contact_phone": "13811112222",
        "appeal_content": "厂区门口排水沟堵塞两个月没人疏通",
    }
    messages, events = run(
        ActionFallback(), tracker("号码写错了 是13633334444", "nlu_fallback", slots=slots)
    )
    assert SlotSet("contact_phone", "13633334444") in events
    assert "13633334444" in texts(messages)


def test_a_picked_stage_is_the_topic_of_the_next_question() -> None:
    from actions.knowledge_actions import ActionAcknowledge

    t = tracker("那免提交的那些从哪来", "affirm")
    t.events[:0] = [
        {
            "event": "user",
            "text": "一码办要交啥材料",
            "parse_data": {"intent": {"name": "ask_materials"}},
        },
        {
            "event": "bot",
            "text": "请问您要查询哪个环节的材料？",
            "data": {
                "buttons": [
                    {"title": "a", "payload": '/ask_materials{"stage":"stage_1"}'},
                    {"title": "b", "payload": '/ask_materials{"stage":"stage_4"}'},
                ]
            },
        },
        {"event": "user", "text": "2", "parse_data": {"intent": {"name": "goodbye"}}},
        {"event": "bot", "text": "【出让国有建设用地使用权首次登记】…"},
    ]
    messages, _ = run(ActionAcknowledge(), t)
    assert "非税系统、税务系统" in texts(messages)


def test_a_yes_no_question_about_one_material_is_answered() -> None:
    from actions.knowledge_actions import ActionAcknowledge

    messages, _ = run(ActionAcknowledge(), tracker("不动产登记申请书是不是还得我们来填", "affirm"))
    reply = texts(messages)
    assert "【土地出让合同】" in reply and "前置" in reply


@pytest.mark.parametrize(
    ("action", "text", "intent"),
    [
        (ActionAnswerMaterials(), "这步有专门的咨询电话不", "ask_materials"),
        (ActionHelp(), "中午有人接电话不", "help"),
    ],
)
def test_a_contact_follow_up_on_a_stage_gives_the_land_line(action, text: str, intent: str) -> None:
    t = _with_history(tracker(text, intent), [("房屋首次登记要交哪些材料", "ask_materials")])
    messages, _ = run(action, t)
    reply = texts(messages)
    assert "023-71422479" in reply
    assert "申请人身份证明" not in reply  # not the stage's list again


def test_who_fetches_the_exempt_ones_read_as_yes_is_answered() -> None:
    from actions.knowledge_actions import ActionAcknowledge

    t = _with_history(
        tracker("免提交的那些是谁去调", "affirm"), [("土地出让合同要哪些材料", "ask_materials")]
    )
    messages, _ = run(ActionAcknowledge(), t)
    assert "交易中心移交" in texts(messages)
