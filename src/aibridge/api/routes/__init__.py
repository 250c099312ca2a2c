"""One router per resource (FastAPI template). ``ROUTERS`` lists the modules ``create_app``
includes, in order."""

ROUTERS: tuple[str, ...] = (
    "health",
    "economies",
    "indicators",
    "observations",
    "sources",
    "frameworks",
    "registry",
    "resolutions",
)
