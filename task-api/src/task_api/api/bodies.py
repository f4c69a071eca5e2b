"""JSON request bodies parsed safely: nesting too deep to be a task is a 422, never a 500."""

from typing import Any

import flask
import flask_smorest
from webargs import core
from webargs.flaskparser import FlaskParser, abort, is_json_request

# A task body is one flat object; anything nested deeper than this is not one.
MAX_DEPTH = 32
TOO_DEEP = f"The JSON body is nested more than {MAX_DEPTH} levels deep."


def depth(value: Any) -> int:
    """How deeply arrays and objects nest in a parsed JSON value, found without recursion."""
    deepest = 0
    pending = [(value, 1)]
    while pending:
        item, level = pending.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            deepest = max(deepest, level)
            pending.extend((child, level + 1) for child in item)
    return deepest


class BodyParser(FlaskParser):
    """webargs' Flask parser, refusing deep nesting (which json.loads meets as a RecursionError
    past Python's recursion limit) with 422, naming the body as `json` in `errors` like webargs'
    own refusal of a body that is not JSON."""

    def _raw_load_json(self, req: flask.Request) -> Any:
        if not is_json_request(req):
            return core.missing
        try:
            body = core.parse_json(req.get_data(cache=True))
        except RecursionError:
            body = None
            too_deep = True
        else:
            too_deep = depth(body) > MAX_DEPTH
        if too_deep:
            abort(422, messages={"json": [TOO_DEEP]})
        return body


class Blueprint(flask_smorest.Blueprint):  # type: ignore[misc]
    """flask-smorest's Blueprint reading its arguments with the `BodyParser`."""

    ARGUMENTS_PARSER = BodyParser()
