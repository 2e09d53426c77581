"""What the appeal form accepts as a phone, a name and a request (bot.intake), in our words."""

from __future__ import annotations

import pytest

from bot.intake import InvalidField, clean_name, clean_phone, content_from_history, is_request_only


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("１３６ ００１２ ３４５６", "13600123456"),  # full-width digits from a phone keyboard
        ("72345678", "023-72345678"),  # a local landline without the area code
        ("023 7234 5678", "023-72345678"),
        ("电话是１３９１２３４５６７８", "13912345678"),  # the one number in a sentence
        ("我手机 138-0012-3456 谢谢", "13800123456"),
        ("座机023-7234 5678", "023-72345678"),
    ],
)
def test_phones_people_type(typed: str, stored: str) -> None:
    assert clean_phone(typed) == stored


@pytest.mark.parametrize(
    "typed",
    ["1360012345", "12345678901", "0231234", "13800123456或者13900123456", "电话是123"],
)
def test_not_a_phone(typed: str) -> None:
    with pytest.raises(InvalidField):
        clean_phone(typed)


@pytest.mark.parametrize("typed", ["企业", "我们公司", "要得", "15100002222"])
def test_not_an_enterprise_name(typed: str) -> None:
    with pytest.raises(InvalidField):
        clean_name(typed, "企业名称")


def test_real_names_pass() -> None:
    assert clean_name("南川区禾丰米业有限公司", "企业名称") == "南川区禾丰米业有限公司"
    assert clean_name("欧阳娜", "联系人") == "欧阳娜"


def test_requests_and_the_problem_before_them() -> None:
    assert is_request_only("那你帮我反映一哈嘛")
    assert not is_request_only("门面被水淹了三次，物业不管")
    previous = "门面被水淹了三次，物业不管，这个该找哪个"
    assert content_from_history("帮我登记下", previous) == "门面被水淹了三次，物业不管"
    assert content_from_history("门面被水淹了 帮我登记", previous) is None
