/// The Python test harness that runs inside the sandbox, next to the candidate program.
///
/// It reads `task.json` (the candidate `code`, the `mode`, the `tests`, a `setup` snippet and a
/// per-run `nonce`), deletes it, and reports on file descriptor 3, one line per event, each line
/// starting with the nonce: `start`, `pass I`, `fail I "DETAIL"` (a JSON string), `done`. The
/// verifier counts only nonce-tagged lines, so a program that exits early (`sys.exit(0)` before
/// the tests) or prints fake verdicts on stdout gains nothing: unreported tests count as failed.
/// The tests run in the candidate's process, as in every peer harness: the sandbox protects the
/// host, not the verdict from a program that reads the harness's memory.
///
/// Modes: `assert` (each test is Python source executed after the program: MBPP `test_list`, or
/// HumanEval `test` + `check(entry_point)`), `stdio` (each test is an `input`/`output` pair; the
/// program runs as `__main__` with that stdin, and its stdout must match up to trailing blanks).
enum Harness {
    /// File name of the harness inside the work directory.
    static let fileName = "harness.py"
    /// File name of the task description inside the work directory.
    static let taskName = "task.json"

    /// The harness source.
    static let source = #"""
import io, json, os, sys, traceback

def main():
    # Descriptors the verifier's own parent leaked through bwrap: none reaches the program.
    os.closerange(4, 1 << 20)
    os.chdir(sys.argv[1])
    with open("task.json", encoding="utf-8") as f:
        task = json.load(f)
    os.remove("task.json")
    nonce = task["nonce"]
    channel = os.fdopen(3, "w", encoding="utf-8", buffering=1)
    sys.stdin = open(os.devnull)

    def emit(text):
        channel.write(nonce + " " + text + "\n")
        channel.flush()

    sources = {}

    def where(error, prefixes):
        # The source line of the innermost frame in one of our test or solution snippets.
        line = ""
        for frame in traceback.extract_tb(error.__traceback__):
            if frame.filename.startswith(prefixes) and frame.filename in sources:
                lines = sources[frame.filename].splitlines()
                if frame.lineno and 0 < frame.lineno <= len(lines):
                    line = lines[frame.lineno - 1].strip()
        return line

    def describe(error, prefixes):
        name = type(error).__name__
        text = str(error)
        line = where(error, prefixes)
        if isinstance(error, AssertionError) and not text:
            out = "AssertionError: " + line if line else "AssertionError"
        else:
            out = name + (": " + text if text else "") + (" (at: " + line + ")" if line else "")
        return out[:300]

    def fail(i, detail):
        emit("fail %d %s" % (i, json.dumps(detail)))

    emit("start")
    tests = task["tests"]
    sources["<solution>"] = task["code"]
    sources["<setup>"] = task.get("setup", "")
    try:
        program = compile(task["code"], "<solution>", "exec")
    except SyntaxError as e:
        for i in range(len(tests)):
            fail(i, "SyntaxError: %s (line %s)" % (e.msg, e.lineno))
        emit("done")
        return

    if task["mode"] == "stdio":
        real_stdout = sys.stdout
        for i, test in enumerate(tests):
            data = test["input"].encode("utf-8")
            sys.stdin = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")
            captured = io.StringIO()
            sys.stdout = captured
            error = None
            try:
                exec(program, {"__name__": "__main__", "__builtins__": __builtins__})
            except SystemExit as e:
                if e.code not in (None, 0):
                    error = "exit status %s" % e.code
            except BaseException as e:
                error = describe(e, ("<solution>",))
            finally:
                sys.stdout = real_stdout
                sys.stdin = open(os.devnull)
            if error is not None:
                fail(i, "test %d: %s" % (i, error))
                continue
            got = [l.rstrip() for l in captured.getvalue().rstrip().split("\n")]
            want = [l.rstrip() for l in test["output"].rstrip().split("\n")]
            if got == want:
                emit("pass %d" % i)
            else:
                fail(i, "test %d: expected %r, got %r" % (i, test["output"][:80], captured.getvalue()[:80]))
        emit("done")
        return

    scope = {"__name__": "__solution__", "__builtins__": __builtins__}
    try:
        exec(program, scope)
        if task.get("setup"):
            exec(compile(task["setup"], "<setup>", "exec"), scope)
    except BaseException as e:
        detail = "program failed: " + describe(e, ("<solution>", "<setup>"))
        for i in range(len(tests)):
            fail(i, detail)
        emit("done")
        return
    for i, test in enumerate(tests):
        name = "<test %d>" % i
        sources[name] = test
        try:
            exec(compile(test, name, "exec"), scope)
            emit("pass %d" % i)
        except BaseException as e:
            fail(i, describe(e, (name, "<solution>")))
    emit("done")

main()
"""#
}
