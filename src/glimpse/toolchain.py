"""A language's toolchain as the runtime holds it: it writes a request's files into a workspace and
builds them there with the recipe's compile step (in the sandbox, or in the warm compiler), lending
the seed cache to the compile; and it says which command runs what was built."""

from __future__ import annotations

import runpy
from pathlib import Path
from typing import NamedTuple

from glimpse.languages import Recipe, placeholders
from glimpse.languages.recipe import Step
from glimpse.models import ExecutionRequest, Limits, Measurements, SourceFile, Stage, Status
from glimpse.sandbox import Command, Outcome, Sandbox, Workspace

# The warm compiler's answers (glimpse.sandbox.warm_compiler) as a compile stage reports them;
# any other answer (error, crash) is a compile_error.
SERVER_STATUSES = {"ok": Status.OK, "time_limit": Status.TIME_LIMIT, "unavailable": Status.INTERNAL_ERROR}


class Build(NamedTuple):
    """What building a request left: its compile stage (None for a language that does not
    compile, or the stage that says why nothing could be built) and, when there is something to
    run, the placeholders of its run command."""

    compile: Stage | None
    values: dict[str, str] | None


class Toolchain:
    def __init__(self, recipe: Recipe, sandbox: Sandbox, toolchains: Path = Path("/opt")):
        self.recipe = recipe
        self.sandbox = sandbox
        self.toolchains = toolchains
        self.seed_cache = None
        if recipe.seed is not None:
            script = recipe.seed.install.format_map(self.placeholders("", Path("/"), 0))
            install = runpy.run_path(script)["install"]  # loaded once: it is the layer's own code
            self.seed_cache = sandbox.seed_cache(install, recipe.id)
            self.seed_cache.prepare()  # Rust's toolchain unpacks for 1-2 s: at init, not in the first request
        self.compiler = None
        if recipe.compile is not None and recipe.compile.server is not None:
            self.compiler = sandbox.warm_compiler(recipe.compile.server_argv(self.placeholders("", Path("/"), 0)))
            self.compiler.start()  # its JVM boots while the runtime waits for the first event

    @property
    def own_names(self) -> set[str]:
        """The top-level names of a workspace that are the toolchain's, not the program's."""
        return {self.recipe.seed.into} if self.recipe.seed is not None else set()

    def placeholders(self, main: str, workspace: Path, memory_mb: int) -> dict[str, str]:
        return placeholders(main=main, toolchains=self.toolchains, workspace=workspace, memory_mb=memory_mb)

    def main_file(self, request: ExecutionRequest) -> str:
        """The first file's name, unless it is the language's own file_name, which the request
        did not choose (it sent `code`, or a compatibility API named it): then the name the
        recipe gives its source (Recipe.main_file_for), where no other file has it."""
        first = request.files[0] if request.files else SourceFile(name=self.recipe.file_name, content=request.code or "")
        if first.name != self.recipe.file_name:
            return first.name
        name = self.recipe.main_file_for(first.data())
        taken = {file.name for file in (request.files or [])[1:]}
        return self.recipe.file_name if name in taken else name

    def build(self, request: ExecutionRequest, workspace: Workspace) -> Build:
        """Write the files, and compile them if the language compiles."""
        main = self.main_file(request)
        if request.files:
            files = [request.files[0].model_copy(update={"name": main}), *request.files[1:]]
        else:
            files = [SourceFile(name=main, content=request.code or "")]
        sent = {file.name for file in files}
        defaults = [(name, text.encode()) for name, text in self.recipe.default_files.items() if name not in sent]
        try:
            workspace.write([(file.name, file.data()) for file in files] + defaults)
            if self.seed_cache is not None:
                self.seed_cache.lend(workspace.path / self.recipe.seed.into)
        except OSError as error:  # a full disk is the service's failure, not the program's
            return Build(Stage(status=Status.INTERNAL_ERROR, message=f"could not write the files: {error.strerror}"), None)
        values = self.placeholders(files[0].name, workspace.path, request.limits.memory_mb)
        if self.recipe.compile is None:
            return Build(None, values)
        sources = [file for file in files if Path(file.name).suffix.lower() in self.recipe.extensions]
        options = request.compile_options or self._precompiled_header(sources, values)
        compile_stage = self._compile([file.name for file in sources], options, values, workspace)
        if self.seed_cache is not None:
            self.seed_cache.seal(workspace.path / self.recipe.seed.into)
        return Build(compile_stage, values if compile_stage.status == Status.OK else None)

    def run_command(self, request: ExecutionRequest, values: dict[str, str], stdin: bytes, limits: Limits) -> Command:
        run = self.recipe.run
        return Command(
            argv=run.argv(values, extra=request.args), limits=limits, env=run.environment(values), stdin=stdin,
            address_space_limit=self.sandbox.settings.address_space_limit,
            out_of_memory_markers=tuple(self.recipe.out_of_memory_markers),
        )

    def take_back_seed(self, workspace: Workspace) -> None:
        if self.seed_cache is not None:
            self.seed_cache.take_back(workspace.path / self.recipe.seed.into)

    def _precompiled_header(self, sources: list[SourceFile], values: dict[str, str]) -> list[str]:
        """The options that use the recipe's precompiled header, where it serves these sources."""
        header = self.recipe.compile.precompiled_header
        if header is None or not header.serves([file.data() for file in sources]):
            return []
        return header.argv(values)

    def _compile(self, sources: list[str], options: list[str], values: dict[str, str], workspace: Workspace) -> Stage:
        """Compile; `options` are the request's compiler options, which the runner checked against the recipe."""
        step = self.recipe.compile
        if self.compiler is not None:
            outcome = self._compile_in_server(step, sources, values, workspace)
        else:
            limits = self.sandbox.settings.compile_limits
            argv = step.argv(values, sources=sources, options=options)
            outcome = self.sandbox.execute(Command(argv=argv, limits=limits, env=step.environment(values)), workspace)
        stage = outcome.stage()
        if stage.status not in (Status.OK, Status.INTERNAL_ERROR):
            stage.status = Status.COMPILE_ERROR
        # Compilers name files by their absolute paths, or relative to their own directory (the
        # warm compiler's is /); the user knows them relative to the workspace.
        for prefix in (f"{workspace.path}/", f"{workspace.path.relative_to('/')}/"):
            stage.stdout, stage.stderr = (text.replace(prefix, "") for text in (stage.stdout, stage.stderr))
        return stage

    def _compile_in_server(self, step: Step, sources: list[str], values: dict[str, str], workspace: Workspace) -> Outcome:
        """Compile in the warm compiler, under the compile limits' time and output_bytes (its
        memory is its JVM's own cap); the main class it finds becomes the `main_class` placeholder."""
        limits = self.sandbox.settings.compile_limits
        output = workspace.path / step.output
        if not output.suffix:
            output.mkdir()  # a class directory
        answer = self.compiler.compile(step.compiler, output, [workspace.path / source for source in sources], limits.time_ms / 1000)
        messages, status = answer.messages, answer.status
        if status == "ok" and answer.main_class is None:
            messages, status = messages + f"{sources[0]}: no main function to run\n".encode(), "error"
        values["main_class"] = answer.main_class or ""
        measured = Measurements(
            exit_code=0 if status == "ok" else 1, time_ms=answer.time_ms, cpu_ms=answer.cpu_ms,
            truncated=len(messages) > limits.output_bytes,
        )
        return Outcome(SERVER_STATUSES.get(status, Status.COMPILE_ERROR), stderr=messages[: limits.output_bytes], measured=measured)
