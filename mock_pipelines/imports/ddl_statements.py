"""SQL text cut into parsed statements, each with the line where it starts, for the DDL import.

The file is tokenised once with the dialect's tokenizer and cut at each ``;`` (and at tsql's ``GO``), so a
statement sqlglot cannot parse stops the import with its file and line, and every table and column knows
where it is declared. Nothing here reads SQL with regular expressions: only sqlglot's tokens and trees.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.dialects.postgres import Postgres
from sqlglot.errors import ParseError, TokenError
from sqlglot.tokens import Token, TokenType

from mock_pipelines.imports.model import SourceError
from mock_pipelines.spec.errors import suggest


def dialect_names() -> list[str]:
    return sorted(name for name in Dialect.classes if name)


def resolve_dialect(name: str) -> Dialect:
    """The sqlglot dialect of ``name``; an unknown name is a SourceError with a did-you-mean."""
    key = name.strip().lower()
    if key not in Dialect.classes or not key:
        close = suggest(key, dialect_names())
        hint = f"did you mean --dialect {close}?" if close else f"use one of: {', '.join(dialect_names())}"
        raise SourceError(f"unknown SQL dialect {name!r}", hint, expected="a dialect sqlglot reads")
    return Dialect.get_or_raise(key)


@contextlib.contextmanager
def _quiet_sqlglot() -> Iterator[None]:
    """sqlglot logs each statement it keeps as an opaque Command: the reader decides what to say itself."""
    logger = logging.getLogger("sqlglot")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _line_of(text: str, offset: int | None) -> int | None:
    return None if offset is None else text.count("\n", 0, max(offset, 0)) + 1


def dialect_hint(dialect: str) -> str:
    others = ", ".join(d for d in ("postgres", "mysql", "sqlite", "tsql", "snowflake", "bigquery", "oracle")
                       if d != dialect)
    return (f"check the statement, or try another --dialect (read as {dialect}; others: {others}); a "
            "statement that is not a table definition can also be removed from the file")


def statements(text: str, path: Path, sql_dialect: Dialect, dialect: str) -> Iterator[tuple[exp.Expr, int]]:
    """Each parsed statement of the file with the line where it starts."""
    tokenizer = sql_dialect.tokenizer()
    with _quiet_sqlglot():
        try:
            tokens = tokenizer.tokenize(text)
        except TokenError as error:
            core = getattr(tokenizer, "_core", None)
            done = getattr(core, "tokens", None) or []
            start_line = _statement_start_line(done)
            where = _line_of(text, getattr(core, "_start", None)) or start_line
            cause = str(error.__cause__ or error).splitlines()[0]
            raise SourceError(f"{path.name}:{where}: cannot read the SQL of the statement starting at line "
                              f"{start_line} ({cause}): an unterminated string, quoted name or comment?",
                              dialect_hint(dialect)) from None
        for chunk in _split(tokens):
            if isinstance(sql_dialect, Postgres):
                chunk = _array_suffix_as_brackets(chunk)
            line = chunk[0].line
            try:
                parsed = sql_dialect.parser().parse(chunk, text)
            except ParseError as error:
                first = error.errors[0] if error.errors else {}
                where = first.get("line") or line
                detail = first.get("description") or str(error).splitlines()[0]
                near = (first.get("highlight") or "").strip()
                near_text = f" near {near!r}" if near else ""
                raise SourceError(f"{path.name}:{where}: sqlglot cannot parse the statement starting at line "
                                  f"{line}{near_text}: {detail}", dialect_hint(dialect),
                                  expected=f"a SQL statement in the {dialect} dialect") from None
            for statement in parsed:
                if statement is not None:
                    yield statement, line


def _statement_start_line(tokens: list[Token]) -> int:
    for index in range(len(tokens) - 1, -1, -1):
        if tokens[index].token_type == TokenType.SEMICOLON:
            return tokens[index + 1].line if index + 1 < len(tokens) else tokens[index].line
    return tokens[0].line if tokens else 1


def _split(tokens: list[Token]) -> Iterator[list[Token]]:
    chunk: list[Token] = []
    for token in tokens:
        is_go = token.token_type == TokenType.COMMAND and token.text.upper() == "GO"
        if token.token_type == TokenType.SEMICOLON or is_go:
            if chunk:
                yield chunk
            chunk = []
        else:
            chunk.append(token)
    if chunk:
        yield chunk


def _array_suffix_as_brackets(chunk: list[Token]) -> list[Token]:
    """PostgreSQL's ``integer ARRAY`` is ``integer[]``; sqlglot reads the first but then takes the next
    column for the array's size, so the suffix is given to it as ``[]`` (a token rewrite, not text)."""
    out: list[Token] = []
    for index, token in enumerate(chunk):
        following = chunk[index + 1] if index + 1 < len(chunk) else None
        previous = chunk[index - 1] if index else None
        if (token.token_type == TokenType.ARRAY and previous is not None
                and previous.token_type not in (TokenType.COMMA, TokenType.L_PAREN, TokenType.VAR)
                and (following is None or following.token_type not in (TokenType.L_BRACKET, TokenType.L_PAREN))):
            out.append(Token(TokenType.L_BRACKET, "[", token.line, token.col, token.start, token.start))
            out.append(Token(TokenType.R_BRACKET, "]", token.line, token.col, token.end, token.end))
        else:
            out.append(token)
    return out
