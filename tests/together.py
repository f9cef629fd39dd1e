"""Two requests at the same moment, on separate connections, for the race tests."""

import threading


def hold_after(monkeypatch, owner, name: str, parties: int = 2) -> None:
    """Make owner.name wait, after it has run, until `parties` callers have all run it (or two
    seconds pass, when a lock holds one back), so each has seen the state before any writes."""
    meet = threading.Barrier(parties)
    run = getattr(owner, name)

    def run_then_wait(*args, **kwargs):
        found = run(*args, **kwargs)
        try:
            meet.wait(timeout=2)
        except threading.BrokenBarrierError:
            pass
        return found

    monkeypatch.setattr(owner, name, run_then_wait)


def at_once(send, count: int = 2) -> list:
    """send(0) .. send(count - 1), each in its own thread; their answers in order."""
    answers = [None] * count

    def call(i):
        answers[i] = send(i)

    threads = [threading.Thread(target=call, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return answers
