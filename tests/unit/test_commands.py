"""Commands are data: frozen, keyword-only dataclasses that keep secrets and personal data out
of their repr; and every text a request body carries goes through the one text field."""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
from datetime import date
from typing import Any

import pytest
from marshmallow import Schema, fields

import cxzy_saas.application.commands as commands_package
import cxzy_saas.web.api  # noqa: F401  (registers every resource's schemas)
from cxzy_saas.application.commands.committee import RegisterUser
from cxzy_saas.application.commands.organisation import EnrolMember
from cxzy_saas.application.commands.work import RecordDaily
from cxzy_saas.web.api.schemas import In, Text


def all_commands() -> list[type]:
    found = []
    for info in pkgutil.iter_modules(commands_package.__path__):
        module = importlib.import_module(f"{commands_package.__name__}.{info.name}")
        found += [
            obj
            for obj in vars(module).values()
            if isinstance(obj, type)
            and dataclasses.is_dataclass(obj)
            and obj.__module__ == module.__name__
        ]
    return found


def test_there_is_a_command_for_each_area():
    names = {c.__name__ for c in all_commands()}
    assert {"RecordDaily", "RecordInspection", "DraftPlan", "Shortlist", "Grant"} <= names
    assert len(names) >= 50


@pytest.mark.parametrize("command", all_commands(), ids=lambda c: c.__name__)
def test_every_command_is_frozen_and_takes_keywords_only(command):
    params = command.__dataclass_params__
    assert params.frozen
    assert all(f.kw_only for f in dataclasses.fields(command))


def test_a_command_cannot_be_changed_once_made():
    command = RecordDaily(year=2026, on=date(2026, 3, 1), level="member", subject="M1", text="x")
    with pytest.raises(dataclasses.FrozenInstanceError):
        command.text = "y"  # type: ignore[misc]
    with pytest.raises(TypeError):
        RecordDaily(2026, date(2026, 3, 1), "member", "M1", "x")  # type: ignore[misc]


def test_passwords_and_personal_data_stay_out_of_a_command_s_repr():
    assert "s3cret-pass" not in repr(
        RegisterUser(username="li", display_name="李", password="s3cret-pass")
    )
    person = EnrolMember(member_no="M9", name="王秀英", phone="13800000000", gender="女")
    assert "王秀英" not in repr(person) and "13800000000" not in repr(person)
    assert "M9" in repr(person)


def strings_in(field: fields.Field, where: str) -> list[tuple[str, fields.Field]]:
    """Every string field inside ``field``: itself, a list's items, a dict's keys and values,
    a nested schema's fields."""
    found: list[tuple[str, fields.Field]] = []
    if isinstance(field, fields.String):
        found.append((where, field))
    if isinstance(field, fields.List):
        found += strings_in(field.inner, f"{where}[]")
    if isinstance(field, fields.Dict):
        for part, inner in (("keys", field.key_field), ("values", field.value_field)):
            if inner is not None:
                found += strings_in(inner, f"{where}.{part}")
    if isinstance(field, fields.Nested) and isinstance(field.nested, type):
        found += schema_strings(field.nested)
    return found


def schema_strings(schema: type[Schema]) -> list[tuple[str, fields.Field]]:
    found = []
    for name, field in schema._declared_fields.items():
        found += strings_in(field, f"{schema.__name__}.{name}")
    return found


def request_schemas() -> list[type[Schema]]:
    found: list[type[Schema]] = []
    todo: list[Any] = [In]
    while todo:
        schema = todo.pop()
        found.append(schema)
        todo += schema.__subclasses__()
    return found


def test_every_text_of_every_request_goes_through_the_one_text_field():
    schemas = request_schemas()
    assert len(schemas) > 40
    strings = [s for schema in schemas for s in schema_strings(schema)]
    assert len(strings) > 60
    assert [where for where, field in strings if not isinstance(field, Text)] == []
