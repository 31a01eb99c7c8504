"""Web sign-in over HTTP: ``POST /api/login`` and ``POST /api/logout``, throttled per member and address.

The throttle (``policy/throttle.py``) counts failures per (member, address), caps them per
address, and counts a browser that has signed in as that member before on its own, by a
signed *known device* cookie. Cookies are ``Secure`` when the request arrived over https
(directly, or through a proxy named in ``serve --trusted-proxy``).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, Response

from homemind.channels.http import (
    SESSION_COOKIE,
    ActorDep,
    ErrorResponse,
    HubDep,
    LoginRequest,
    LoginResponse,
    ThrottledResponse,
)
from homemind.core.i18n import Duration
from homemind.policy.throttle import KNOWN_DEVICE_COOKIE, KNOWN_DEVICE_SECONDS, Attempt, LoginThrottle

_REFUSED = {
    "member": "Too many failed logins for this member from here; try again in {wait}.",
    "address": "Too many failed logins from this address; try again in {wait}.",
}


def router() -> APIRouter:
    routes = APIRouter()

    @routes.post(
        "/api/login",
        response_model=LoginResponse,
        responses={401: {"model": ErrorResponse}, 429: {"model": ThrottledResponse}},
    )
    async def login(body: LoginRequest, request: Request, hub: HubDep) -> Any:
        """Password login for the web: sets an HttpOnly session cookie, returns its CSRF token."""
        throttle = LoginThrottle(hub.auth)
        cookie_name = KNOWN_DEVICE_COOKIE + body.member
        known = throttle.known_device(body.member, request.cookies.get(cookie_name))
        attempt = Attempt(body.member, request.client.host if request.client else "unknown", known)
        refusal = throttle.wait(attempt)
        if refusal is not None:
            seconds = max(1, round(refusal.seconds))
            detail = _REFUSED[refusal.reason].format(wait=Duration(seconds).render("en"))
            return JSONResponse(
                {"detail": detail, "retry_after": seconds},
                status_code=429,
                headers={"Retry-After": str(seconds)},
            )
        if body.member not in hub.home.members or not hub.auth.check_password(body.member, body.password):
            throttle.failed(attempt)
            raise HTTPException(401, "Wrong member or password.")
        throttle.succeeded(attempt)
        cookie, csrf = hub.auth.open_session(body.member)
        secure = request.url.scheme == "https"
        response = JSONResponse({"member": body.member, "csrf_token": csrf})
        response.set_cookie(SESSION_COOKIE, cookie, httponly=True, samesite="strict", path="/", secure=secure)
        response.set_cookie(
            cookie_name,
            throttle.remember_device(body.member, known),
            max_age=int(KNOWN_DEVICE_SECONDS),
            httponly=True,
            samesite="strict",
            path="/api/login",
            secure=secure,
        )
        return response

    @routes.post("/api/logout", status_code=204, responses={401: {"model": ErrorResponse}})
    async def logout(request: Request, hub: HubDep, actor: ActorDep) -> Response:
        cookie = request.cookies.get(SESSION_COOKIE)
        if cookie:
            hub.auth.close_session(cookie)
        response = Response(status_code=204)
        response.delete_cookie(SESSION_COOKIE, path="/", secure=request.url.scheme == "https")
        return response

    return routes
