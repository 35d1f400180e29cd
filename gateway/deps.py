"""Dependency aliases every endpoint uses: `StateDep` and `SessionDep`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.state import GatewayState

AFTER_COMMIT = "baobab_after_commit"


async def get_state(request: Request) -> GatewayState:
    state: GatewayState = request.app.state.gateway
    return state


StateDep = Annotated[GatewayState, Depends(get_state)]


async def get_session(state: StateDep) -> AsyncIterator[AsyncSession]:
    """Yield the request's session; commit once when the endpoint succeeds, then run hooks."""
    async with state.sessions() as session:
        yield session
        await session.commit()
        for hook in session.info.pop(AFTER_COMMIT, []):
            await hook()


# scope="function": commit before the response is sent, so a client never sees a 200 for
# something that was not stored.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


def after_commit(session: AsyncSession, hook: Callable[[], Awaitable[None]]) -> None:
    """Run `hook` once the request's session has committed (e.g. to evict a cached key)."""
    session.info.setdefault(AFTER_COMMIT, []).append(hook)
