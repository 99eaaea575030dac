"""The performance benchmark: ``python -m bench`` (``make bench``), not part of ``make test``.

It builds synthetic data sets at 1×, 10× and 100× one year of national volume, serves the
portal with gunicorn on a loopback port, drives each page with wrk (16 connections, 10 s),
and compares it with a reference page on the same layout that does no database work. It also runs
the mixed workload (``bench/mixed.py``): 50 people across the roles, each signed in with a
session of their own and walking their own pages, about 10% form posts, against gunicorn with
4 workers (``--only mixed`` runs it alone). It writes both tables, with the issue's budgets
marked met or missed, to ``bench/results.md``.

To grow it as the portal grows:
- a page: one line in ``bench/pages.py`` (name, endpoint, role, and a function giving the
  URL arguments when the page is about one object);
- data: a ``@builder`` function in ``bench/builders.py`` that bulk-inserts one domain's rows
  for a scale (builders run in the order written and share ids through the context);
- a one-off timing (PDF, calendar feed): one line in ``TIMINGS`` in ``bench/pages.py``.
"""
