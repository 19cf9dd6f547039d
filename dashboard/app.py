"""The API and the dashboard in one application, as `fengqiao serve` runs it."""

from __future__ import annotations

from typing import cast

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from fengqiao.api.app import create_app
from fengqiao.api.auth import TooMany
from fengqiao.api.errors import validation_error
from fengqiao.config.settings import Settings, get_settings
from fengqiao.dashboard import mediators, pages, points, reports, screening, subsidies
from fengqiao.dashboard.site import CSP, HERE, NotAViewer, Refused, SignInNeeded, page
from fengqiao.models.errors import FengqiaoError, InvalidInput


def create_site(settings: Settings | None = None) -> FastAPI:
    app = create_app(settings or get_settings(), policies={"/dashboard": CSP})
    app.mount("/dashboard/static", StaticFiles(directory=HERE / "static"), name="dashboard-static")
    app.include_router(pages.router)
    app.include_router(mediators.router)
    app.include_router(reports.router)
    app.include_router(screening.router)
    app.include_router(subsidies.router)
    app.include_router(points.router)

    @app.exception_handler(SignInNeeded)
    def sign_in_first(request: Request, exc: SignInNeeded) -> Response:
        if request.headers.get("hx-request"):  # a live update after the key was revoked: reload to sign in
            return Response(status_code=204, headers={"HX-Redirect": "/dashboard/login"})
        return RedirectResponse("/dashboard/login", status_code=303)

    @app.exception_handler(NotAViewer)
    def not_a_viewer(request: Request, exc: NotAViewer) -> Response:
        answer = page(request, "forbidden.html", None, who=exc.caller.name, role=exc.caller.role)
        answer.status_code = 403
        return answer

    @app.exception_handler(Refused)
    def refused(request: Request, exc: Refused) -> Response:
        answer = page(request, "refused.html", None, why=exc.why)
        answer.status_code = exc.status
        return answer

    api_domain = app.exception_handlers[FengqiaoError]
    api_validation = app.exception_handlers[RequestValidationError]

    def invalid_page(request: Request, message: str) -> Response:
        """A page's question it cannot answer (a month that is not one or has not begun, a committee
        the network lacks): the line the API and the command line say, on the error page, 422."""
        answer = page(request, "invalid.html", getattr(request.state, "caller", None), message=message)
        answer.status_code = 422
        return answer

    @app.exception_handler(InvalidInput)
    def invalid_input(request: Request, exc: InvalidInput) -> Response:
        if not _on_dashboard(request):
            return cast(Response, api_domain(request, exc))  # the API's handlers are plain functions
        return invalid_page(request, exc.message)

    @app.exception_handler(RequestValidationError)
    def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        if not _on_dashboard(request):
            return cast(Response, api_validation(request, exc))
        return invalid_page(request, validation_error(exc)[1])

    @app.exception_handler(TooMany)
    def too_many(request: Request, exc: TooMany) -> Response:
        answer = page(request, "limited.html", None, message=exc.message, retry_after=exc.retry_after)
        answer.status_code = 429
        answer.headers["Retry-After"] = str(exc.retry_after)
        return answer

    @app.get("/", include_in_schema=False)
    def home() -> Response:
        return RedirectResponse("/dashboard/", status_code=307)

    return app


def _on_dashboard(request: Request) -> bool:
    """A browser's page (its errors are pages), not the API (its errors are JSON)."""
    path = request.url.path
    return path == "/dashboard" or path.startswith("/dashboard/")
