"""Math word problems with exact answers, GSM8K-style worked solutions and a difficulty score.

Two builders:

* ``math.template`` (:class:`TemplateProblems`, module .template) — GSM-Symbolic style scenarios, one
  YAML file each under ``templates/math/scenarios/``, compiled and evaluated by .scenario;
* ``math.compose`` (:class:`ComposedProblems`, module .compose) — a small random graph of operations
  over story quantities (chains, two earlier quantities combined, parallel branches merged), rendered
  through the frames of ``templates/math/compose.yaml``.

Both share the people and plausible ranges of .lexicon, the number texts and inflection of .texts, and
the difficulty formula of .difficulty.
"""

from .compose import ComposedProblems, ComposeParams, compose_frames
from .difficulty import LEVELS, difficulty, kinds_of, level_of
from .scenario import Scenario, scenario, scenario_names
from .template import TemplateParams, TemplateProblems

__all__ = [
    "ComposeParams", "ComposedProblems", "LEVELS", "Scenario", "TemplateParams", "TemplateProblems",
    "compose_frames", "difficulty", "kinds_of", "level_of", "scenario", "scenario_names",
]
