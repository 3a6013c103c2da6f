"""Running one hostile program, and leaving nothing of it behind."""

from glimpse.sandbox.core import ALWAYS, Command, Outcome, Sandbox, SandboxUnavailable
from glimpse.sandbox.output import encode
from glimpse.sandbox.settings import JudgeBudgets, SandboxSettings
from glimpse.sandbox.workspace import Workspace

__all__ = ["ALWAYS", "Command", "JudgeBudgets", "Outcome", "Sandbox", "SandboxSettings", "SandboxUnavailable", "Workspace", "encode"]
