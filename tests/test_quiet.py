"""The grader's terminal: TensorFlow's log level quiet unless -v, or what the instructor set
(tests/test_cnn.py checks a graded batch's terminal for start-up lines)."""

from autograders import quiet


def test_grading_is_quiet_unless_verbose(monkeypatch):
    monkeypatch.delenv(quiet.LOG_LEVEL, raising=False)
    quiet.settle()
    assert quiet.os.environ[quiet.LOG_LEVEL] == quiet.QUIET
    quiet.settle(verbose=True)
    assert quiet.os.environ[quiet.LOG_LEVEL] == quiet.VERBOSE


def test_a_level_set_by_the_instructor_is_kept(monkeypatch):
    monkeypatch.setenv(quiet.LOG_LEVEL, "1")
    quiet.settle()
    assert quiet.os.environ[quiet.LOG_LEVEL] == "1"
