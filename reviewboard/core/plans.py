"""Statements PostgreSQL plans once per connection instead of once per execution.

PostgreSQL plans a statement each time it runs it, with the values of its parameters (a custom plan), unless the
statement is prepared and a plan made without the values (a generic plan) is estimated to cost no more. psycopg
prepares a statement from its fifth execution on a connection, but for the review queue PostgreSQL still chose a
custom plan every time, and planning it cost more than running it: 2.9 ms of planning against 0.9 ms of execution
at 1,000 projects, 4.3 against 1.8 at 1,000,000 (it is two copies of one query, the page and its bounded count,
each joining five tables and checking four subqueries).

:func:`generic_plan` marks such a statement: on PostgreSQL it then runs under ``plan_cache_mode =
force_generic_plan`` (set just before it, reset just after it: extensions.configure_postgresql), so from its
fifth execution on a connection it is planned once and the plan reused. The queue page's statement then took
0.9 ms instead of 4.2 at 1,000 projects and 2.3 ms instead of 4.2-6.1 at 1,000,000 (median of ten executions on
one connection, `bench/http.py` databases).

Only for a statement whose best plan does not depend on its values: ids of the reader and the like, never a
search pattern. And its LIMIT and OFFSET must be written into the statement (:func:`fixed`, as core/pagination
writes them): a generic plan does not know a bound limit and plans for a tenth of the rows, which for the queue at
1,000,000 projects was a sort of every stage in review, 1.5 s. A marked statement with a bound limit is planned as
before, with a warning. On SQLite the mark does nothing.

The SET and the RESET go to the statement's own connection: ReviewBoard's app servers each keep their own pool of
connections to PostgreSQL. Behind a pooler that hands each statement outside a transaction to any server connection
(PgBouncer in transaction mode), a GET's SET could land on another connection than its statement; such a deployment
is not supported (psycopg's prepared statements need a session of their own too).
"""

from __future__ import annotations

from sqlalchemy import Integer, bindparam

from reviewboard.extensions import GENERIC_PLAN


def generic_plan(stmt):
    """``stmt``, planned once per connection on PostgreSQL (module docstring)."""
    return stmt.execution_options(**{GENERIC_PLAN: True})


def fixed(number: int):
    """A LIMIT or OFFSET written into the statement rather than sent as a parameter, so that a generic plan knows
    it (a statement then differs by it, and is prepared once per value: a page size, a page number)."""
    return bindparam(None, int(number), type_=Integer, literal_execute=True)


def bound_for(stmt, number: int):
    """A LIMIT or OFFSET for ``stmt``: :func:`fixed` if it is planned once, else the number (a bound parameter).
    Only there: with limits written in, PostgreSQL's own choice between a custom and a generic plan changes for
    every prepared statement, and a search's generic plan cannot know its pattern."""
    return fixed(number) if stmt.get_execution_options().get(GENERIC_PLAN) else number
