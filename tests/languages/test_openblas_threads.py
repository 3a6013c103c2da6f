"""python-ml through its runner: numpy's OpenBLAS starts no thread of its own (the recipe's
OPENBLAS_NUM_THREADS=1), so numpy imports under any process limit. OpenBLAS would otherwise start
a thread per core at import, each counted by the limit (RLIMIT_NPROC), and die when one is refused."""

import os

PROGRAM = "import os\nimport numpy as np\nprint((np.ones((64, 64)) @ np.ones((64, 64)))[0, 0], len(os.listdir('/proc/self/task')))\n"


def test_numpy_starts_no_thread_under_a_process_limit_of_one(runner_for):
    run = runner_for("python-ml")
    result = run(language="python-ml", code=PROGRAM, limits={"processes": 1})
    assert result["status"] == "ok" and result["run"]["stdout"] == "64.0 1\n", result
    if os.cpu_count() > 1:  # OpenBLAS never starts more threads than there are cores
        threads = run(language="python-ml", code=f"import os\nos.environ['OPENBLAS_NUM_THREADS'] = '4'\n{PROGRAM}", limits={"processes": 1})
        assert threads["status"] == "runtime_error" and "pthread_create failed" in threads["run"]["stderr"], threads
