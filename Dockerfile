# hotline: the web server and API, the scheduler, the AMI client and the FastAGI IVR server in
# one image. Build: docker build -t hotline .   Run it with docker-compose.yml.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# The source only lives here while the image is built; the package is installed into
# site-packages (`pip install .`, packages hotline, tickets and ivr from pyproject.toml; the
# top-level templates/ folder goes in as hotline.templates, pyproject's package-dir).
WORKDIR /src
COPY pyproject.toml ./
COPY hotline ./hotline
COPY tickets ./tickets
COPY ivr ./ivr
COPY templates ./templates
# The message catalogues (.mo) are not in git: compile them before installing so the package
# data carries them, as `make` does for a checkout (babel pinned as in pyproject.toml).
RUN pip install babel==2.18.0 \
 && pybabel compile --use-fuzzy -d hotline/locale \
 && pip install . \
 && cd / && rm -rf /src

# Not root: a system user whose home is the working directory (a .env file there is read; the
# SQLite default would live there too, but this image is meant for PostgreSQL).
RUN useradd --system --create-home --home-dir /var/lib/hotline --shell /usr/sbin/nologin hotline
USER hotline
WORKDIR /var/lib/hotline

# Listen on every interface inside the container (the defaults are loopback only).
ENV HOTLINE_HTTP_BIND=0.0.0.0:8000 \
    HOTLINE_AGI_BIND=0.0.0.0:4573
# 8000: HTTP (HOTLINE_HTTP_BIND); 4573: FastAGI for the IVR (HOTLINE_AGI_BIND).
EXPOSE 8000 4573

# Every start first brings the database to the code's revision (`hotline db upgrade` is
# idempotent), then runs the command: `hotline serve` by default, or e.g.
#   docker compose run --rm app hotline users add li.agent --role agent --password-stdin
# exec: the command replaces the shell as PID 1 and gets docker's SIGTERM itself.
ENTRYPOINT ["sh", "-c", "hotline db upgrade && exec \"$@\"", "hotline-entrypoint"]
CMD ["hotline", "serve"]
