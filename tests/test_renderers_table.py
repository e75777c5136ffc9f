"""The run table's rows (htmlreport.table_rows) are the text the template's row loop wrote, byte for byte.

The loop moved out of report.html.j2 into Python (issue 7: Jinja took 0.1 s for the
2,000 rows of a sweep); the loop below is the template's, verbatim.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from report_factory import every_marker_report, hostile_report, sweep_report

from logscope.model import Report
from logscope.renderers import htmlreport, templating
from logscope.renderers.summary import STATUS_RANK, split_hparams, summarize

TEMPLATE_LOOP = """\
{% for s, view in summaries %}
<tr data-status="{{ s.status }}">
<td class="run">{% if view %}<a href="#run-{{ view.index }}"><code>{{ s.run.name }}</code></a>\
{% else %}<code>{{ s.run.name }}</code>{% endif %}</td>
<td data-v="{{ status_rank[s.status] }}"><span class="chip {{ s.status }}">{{ s.status }}</span></td>
<td data-v="{{ s.kinds|join(' ') }}"><span class="kinds">{% for k in s.kinds %}<span class="kind">{{ k }}</span>\
{% else %}<span class="muted">—</span>{% endfor %}</span></td>
<td class="msg">{% if s.worst %}<span title="{{ s.worst.message }}">{{ s.worst.message }}</span>\
{% else %}<span class="muted">—</span>{% endif %}</td>
{% if s.best %}
<td class="n" data-v="{{ s.best.value }}"><span class="num">{{ s.best.value|num }}</span><br>\
<code class="muted">{{ s.best.series }}</code></td>
<td class="n" data-v="{{ s.best.step }}">{{ s.best.step|count }}</td>
<td class="n" data-v="{{ s.best.steps_since }}">{{ s.best.steps_since|count }}</td>
{% else %}
<td class="n muted" data-v="">—</td><td class="n muted" data-v="">—</td><td class="n muted" data-v="">—</td>
{% endif %}
{% for h in hparam_columns %}<td>{% if h in s.run.hparams %}{{ s.run.hparams[h]|scalar }}\
{% else %}<span class="muted">—</span>{% endif %}</td>{% endfor %}
</tr>
{% endfor %}
"""


def _with_hparams(report: Report) -> Report:
    """Some runs with varying, missing, odd and hostile hyperparameters, and every third with no best value."""
    values = [0.1, 3, None, True, "<b>x</b>", float("nan"), float("inf"), -2.5e-9, "a&b", 10**12]
    runs = tuple(replace(run, hparams={"lr": values[i % len(values)], "tag": f'"{i}"'} if i % 4 else {"lr": 1e-3},
                         series=run.series if i % 3 else tuple(replace(s, values=s.values * np.nan) for s in run.series))
                 for i, run in enumerate(report.runs))
    return replace(report, runs=runs)


@pytest.mark.parametrize("make", [every_marker_report, hostile_report, lambda: sweep_report(60),
                                  lambda: _with_hparams(sweep_report(30)), lambda: _with_hparams(hostile_report())])
def test_table_rows_equal_the_template_loop(make) -> None:  # type: ignore[no-untyped-def]
    report = make()
    summaries = summarize(report)
    detailed = htmlreport._choose_detailed(summaries)
    views = [htmlreport._run_view(i, s) if s.run.name in detailed else None for i, s in enumerate(summaries, 1)]
    table = sorted(zip(summaries, views), key=lambda sv: -STATUS_RANK[sv[0].status])
    columns = split_hparams([s.run for s in summaries])[0][: htmlreport.MAX_HPARAM_COLUMNS]
    expect = templating.environment().from_string(TEMPLATE_LOOP).render(
        summaries=table, status_rank=STATUS_RANK, hparam_columns=columns)
    assert str(htmlreport.table_rows(table, columns)) == expect
    assert expect.count("<tr") == len(summaries)
