"""Every channel class path that a credentials file names still loads.

Why: Rasa imports channels by the dotted path written in credentials*.yml, so moving a
module would only show up as a failed start in production; this catches it here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rasa.core.channels.channel import InputChannel
from rasa.shared.utils.common import class_from_module_path

ROOT = Path(__file__).resolve().parents[2]
CLASS_PATH = re.compile(r"\bbot\.channels\.[A-Za-z_.]+Input\b")
NAMED = sorted(
    {
        path
        for file in ROOT.glob("credentials*.yml")
        for path in CLASS_PATH.findall(file.read_text())
    }
)


def test_the_credentials_files_name_every_channel() -> None:
    assert {
        "bot.channels.rest.RestInput",
        "bot.channels.wechat.WeChatInput",
        "bot.channels.telegram.TelegramInput",
    } <= set(NAMED)


@pytest.mark.parametrize("path", NAMED)
def test_class_path_loads(path: str) -> None:
    channel = class_from_module_path(path)
    assert isinstance(channel, type) and issubclass(channel, InputChannel)
