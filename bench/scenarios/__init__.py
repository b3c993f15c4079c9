"""The bench's scenarios, each a function of the run's context returning its figures and targets,
in the order a full run measures them (the scale scenario loads the rows the export and
the key rotation read; retention anonymises them, last)."""

from bench.scenarios.backlog import scenario_backlog
from bench.scenarios.email import scenario_email
from bench.scenarios.export import scenario_export
from bench.scenarios.pages import scenario_pages
from bench.scenarios.retention import scenario_retention
from bench.scenarios.rotation import scenario_rotation
from bench.scenarios.scale import scenario_scale
from bench.scenarios.signing import scenario_signing
from bench.scenarios.update import scenario_update

SCENARIOS = {
    "signing": scenario_signing,
    "email": scenario_email,
    "backlog": scenario_backlog,
    "update": scenario_update,
    "pages": scenario_pages,
    "scale": scenario_scale,
    "export": scenario_export,
    "rotation": scenario_rotation,
    "retention": scenario_retention,
}
