"""The web dashboard served at ``/``: server-rendered pages (Jinja2) that htmx updates in
place, live by server-sent events; htmx and the stylesheet ship in ``static/``, so the
page needs no build step and no network beyond the service itself."""

from __future__ import annotations

from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import StrictUndefined
from starlette.templating import Jinja2Templates

from api.deps import LoginRequiredError, no_unknown_query, require_browser_key
from api.web.data import PictureCache
from api.web.format import FILTERS
from api.web.router import fragments, login, pages

HERE = Path(__file__).parent


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=HERE / "templates")
    templates.env.undefined = StrictUndefined  # a misspelt name fails, never renders blank
    templates.env.filters.update(FILTERS)
    return templates


def mount_dashboard(app: FastAPI) -> None:
    """The dashboard's routes, its static files and what it keeps on the app."""
    app.state.templates = make_templates()
    app.state.pictures = PictureCache()
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(pages, dependencies=[Depends(require_browser_key)])
    app.include_router(
        fragments, dependencies=[Depends(require_browser_key), Depends(no_unknown_query)]
    )
    app.include_router(login)
    app.add_exception_handler(LoginRequiredError, _to_login)


async def _to_login(request: Request, _error: Exception) -> Response:
    """To the login page: a redirect, or for htmx an ``HX-Redirect`` (a whole page load)."""
    target = f"/login?next={request.url.path}"
    if request.headers.get("hx-request") == "true":
        return Response(status_code=401, headers={"HX-Redirect": "/login"})
    return RedirectResponse(target, status_code=303)
