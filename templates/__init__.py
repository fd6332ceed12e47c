"""The console's Jinja2 pages and partials, at the top of the repository as the design card
lays it out. pyproject.toml maps this folder to the package `hotline.templates`
(`[tool.setuptools.package-dir]`), so a wheel, the image and an editable install all carry it
as package data; hotline/web/templating.py loads it through that package, never by a path
into the source tree."""
