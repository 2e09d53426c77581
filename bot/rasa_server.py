"""Entry point for the Rasa server: Rasa's own CLI with one measured fix installed first.

Rasa 3.6 checks every action-server reply with `jsonschema.validate(reply, schema)`, which
validates Rasa's constant reply schema against the JSON Schema meta-schema on every call
before it looks at the reply. Under `make bench-wechat` load that check was 10.8 % of the
Rasa process's CPU (py-spy). `install()` swaps Rasa's method for one that uses a validator
built once; a bad reply raises the same error as before (jsonschema's best match, with
Rasa's hint appended).

    python -m bot.rasa_server run --model ...   # same arguments as `rasa`
"""

from __future__ import annotations

from typing import Any

from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL

from bot import log_safety

_REPLY_SCHEMA = RemoteAction.action_response_format_spec()
_VALIDATOR_CLASS = validator_for(_REPLY_SCHEMA)
_VALIDATOR_CLASS.check_schema(_REPLY_SCHEMA)  # once, as jsonschema.validate does per call
_REPLY_VALIDATOR = _VALIDATOR_CLASS(_REPLY_SCHEMA)

RASA_VALIDATE_ACTION_RESULT = RemoteAction._validate_action_result


def validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    """Rasa's RemoteAction._validate_action_result with the schema checked once."""
    error = best_match(_REPLY_VALIDATOR.iter_errors(result))
    if error is not None:
        error.message += (
            f". Failed to validate Action server response from API, "
            f"make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise error
    return True


def install() -> None:
    """Use the prebuilt validator for action-server replies (idempotent)."""
    RemoteAction._validate_action_result = validate_action_result


def main() -> None:
    install()
    # The channels' logs: no bot token (httpx at WARNING) and no full phone number.
    log_safety.install()
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
