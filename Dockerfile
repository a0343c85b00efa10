# gitdigest in a container: `docker run --rm -v "$PWD:/out" IMAGE https://github.com/o/r -o /out/digest.txt`
# or the web page: `docker run --rm -p 8000:8000 IMAGE serve --bind 0.0.0.0 --public-host localhost`.
# Built from the wheel that `python -m build` made (the release workflow builds it first), so the
# image holds exactly what PyPI gets.
FROM python:3.12-slim

# git is the one program gitdigest runs; nothing else is installed
RUN apt-get update \
    && apt-get install -y --no-install-recommends git \
    && rm -rf /var/lib/apt/lists/*

COPY dist/*.whl /tmp/wheels/
RUN wheel="$(ls /tmp/wheels/*.whl)" \
    && pip install --no-cache-dir "${wheel}[web]" \
    && rm -rf /tmp/wheels

# never root: a digest reads what others wrote; caches live in the user's home
RUN useradd --create-home --uid 10001 gitdigest
USER gitdigest
WORKDIR /home/gitdigest
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
# the secret scanner's rules, compiled once into this user's cache: every run starts warm (3 to 4 s
# of CPU each; a host CPU the compiled rules do not suit makes the scanner compile them again)
RUN python -c "from gitdigest.read import secrets; secrets.load()"

EXPOSE 8000
ENTRYPOINT ["gitdigest"]
CMD ["--help"]
