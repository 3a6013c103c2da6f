package glimpse;

import com.sun.source.tree.ClassTree;
import com.sun.source.tree.CompilationUnitTree;
import com.sun.source.tree.MethodTree;
import com.sun.source.tree.Tree;
import com.sun.source.util.JavacTask;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.JarFile;
import javax.lang.model.element.Modifier;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import jdk.incubator.foreign.CLinker;
import jdk.incubator.foreign.FunctionDescriptor;

/**
 * The warm compiler of the JVM runners: one JVM per execution environment that compiles with
 * javac or kotlinc (K2JVMCompiler), both in-process, on request, so that a compile costs tens of
 * milliseconds instead of a JVM start. It knows compilers, not languages: a recipe's
 * [compile] compiler names the one its sources go to (languages/<id>/recipe.toml). It never runs a program it compiles: annotation
 * processing is off and no classpath reaches the workspace.
 *
 * Its only channel is the pair of pipes the runner holds. A request is lines of text (the runner
 * validated every path: no line breaks are possible):
 *   compiler (a key of COMPILERS), output (a class directory or a jar), count, then count sources,
 *   the entry file first.
 * The answer is one line, "status mainClass length", then length bytes of compiler messages;
 * status is ok, error or crash, mainClass "-" when none was found.
 */
public final class CompileServer {
    private static final int PR_SET_DUMPABLE = 4;

    /** Compiles sources into output; returns the main class, null when there is none. */
    private interface Compiler {
        String compile(CompileServer server, PrintStream messages, Path output, List<Path> sources) throws Exception;
    }

    private static final Map<String, Compiler> COMPILERS = Map.of(
        "javac", CompileServer::compileJava,
        "kotlinc", CompileServer::compileKotlin);

    private final JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    private final StandardJavaFileManager javaFiles = javac.getStandardFileManager(null, null, StandardCharsets.UTF_8);
    private Object kotlinCompiler;
    private Method kotlinExec;

    public static void main(String[] args) throws Throwable {
        makeNonDumpable();
        CompileServer server = new CompileServer();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        DataOutputStream out = new DataOutputStream(new java.io.FileOutputStream(java.io.FileDescriptor.out));
        // Nothing may write to the protocol stream but the answers.
        System.setOut(new PrintStream(OutputStream.nullOutputStream()));
        String compiler;
        while ((compiler = in.readLine()) != null) {
            Path output = Path.of(in.readLine());
            int count = Integer.parseInt(in.readLine());
            List<Path> sources = new ArrayList<>();
            for (int index = 0; index < count; index++) {
                sources.add(Path.of(in.readLine()));
            }
            server.answer(out, compiler, output, sources);
        }
    }

    /** A program of the same user could otherwise read or write this JVM's memory through /proc. */
    private static void makeNonDumpable() throws Throwable {
        MethodHandle prctl = CLinker.getInstance().downcallHandle(
            CLinker.systemLookup().lookup("prctl").orElseThrow(),
            MethodType.methodType(int.class, int.class, long.class, long.class, long.class, long.class),
            FunctionDescriptor.of(CLinker.C_INT, CLinker.C_INT, CLinker.C_LONG, CLinker.C_LONG, CLinker.C_LONG, CLinker.C_LONG));
        int result = (int) prctl.invokeExact(PR_SET_DUMPABLE, 0L, 0L, 0L, 0L);
        if (result != 0) {
            throw new IllegalStateException("prctl(PR_SET_DUMPABLE, 0) failed");
        }
    }

    private void answer(DataOutputStream out, String compilerName, Path output, List<Path> sources) throws IOException {
        ByteArrayOutputStream messages = new ByteArrayOutputStream();
        String status = "ok";
        String mainClass = null;
        try (PrintStream stream = new PrintStream(messages, true, StandardCharsets.UTF_8)) {
            try {
                Compiler compiler = COMPILERS.get(compilerName);
                if (compiler == null) {
                    throw new IllegalArgumentException("unknown compiler " + compilerName);
                }
                mainClass = compiler.compile(this, stream, output, sources);
            } catch (CompileFailed failed) {
                status = "error";
            } catch (Throwable crash) {  // the compiler's own failure: said, and the server goes on
                crash.printStackTrace(stream);
                status = "crash";
            }
        }
        byte[] body = messages.toByteArray();
        out.write((status + " " + (mainClass == null ? "-" : mainClass) + " " + body.length + "\n").getBytes(StandardCharsets.UTF_8));
        out.write(body);
        out.flush();
    }

    private String compileJava(PrintStream messages, Path output, List<Path> sources) throws IOException, CompileFailed {
        Iterable<? extends JavaFileObject> units = javaFiles.getJavaFileObjectsFromPaths(sources);
        List<String> options = List.of(
            "-d", output.toString(), "-classpath", output.toString(), "-sourcepath", output.toString(),
            "-proc:none", "-encoding", "UTF-8", "-Xlint:-options");
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        JavacTask task = (JavacTask) javac.getTask(null, javaFiles, diagnostics, options, null, units);
        // Read the entry file's main class from the tree as parsed: generating lowers the trees.
        String mainClass = javaMainClass(task.parse().iterator().next());
        task.generate();
        boolean failed = false;
        for (Diagnostic<? extends JavaFileObject> diagnostic : diagnostics.getDiagnostics()) {
            messages.println(diagnostic);  // javac's own format: file:line: kind: message, source, caret
            failed |= diagnostic.getKind() == Diagnostic.Kind.ERROR;
        }
        if (failed) {
            throw new CompileFailed();
        }
        return mainClass;
    }

    /** The class of the entry file that declares `static void main`; null when none does. */
    private static String javaMainClass(CompilationUnitTree entry) {
        String prefix = entry.getPackageName() == null ? "" : entry.getPackageName() + ".";
        for (Tree declaration : entry.getTypeDecls()) {
            if (!(declaration instanceof ClassTree)) {
                continue;
            }
            ClassTree type = (ClassTree) declaration;
            for (Tree member : type.getMembers()) {
                if (member instanceof MethodTree && ((MethodTree) member).getName().contentEquals("main")
                        && ((MethodTree) member).getModifiers().getFlags().contains(Modifier.STATIC)) {
                    return prefix + type.getSimpleName();
                }
            }
        }
        return null;
    }

    private String compileKotlin(PrintStream messages, Path output, List<Path> sources) throws Exception {
        if (kotlinCompiler == null) {
            Class<?> type = Class.forName("org.jetbrains.kotlin.cli.jvm.K2JVMCompiler");
            kotlinCompiler = type.getConstructor().newInstance();
            kotlinExec = type.getMethod("exec", PrintStream.class, String[].class);
        }
        List<String> arguments = new ArrayList<>(List.of(
            "-d", output.toString(), "-kotlin-home", System.getProperty("glimpse.kotlin.home"),
            "-jvm-target", "17", "-no-reflect", "-Xno-call-assertions", "-Xno-param-assertions"));
        for (Path source : sources) {
            arguments.add(source.toString());
        }
        Object exitCode = kotlinExec.invoke(kotlinCompiler, messages, arguments.toArray(new String[0]));
        if (!exitCode.toString().equals("OK")) {
            throw new CompileFailed();
        }
        try (JarFile jar = new JarFile(output.toFile())) {
            return jar.getManifest() == null ? null : jar.getManifest().getMainAttributes().getValue("Main-Class");
        }
    }

    private static final class CompileFailed extends Exception {
        CompileFailed() {
            super(null, null, false, false);
        }
    }
}
