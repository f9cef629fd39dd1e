"""Password hashes: a fixed safe cost, and the same work whether or not an account exists."""

from assessment_app import password_hashing


def test_new_hashes_use_scrypt_at_the_documented_cost():
    """scrypt N=2**15, r=8, p=1, salted: two hashes of one password differ."""
    first, second = (password_hashing.hash_password("a long passphrase") for _ in range(2))
    assert first.startswith("scrypt:32768:8:1$") and second.startswith("scrypt:32768:8:1$")
    assert first != second and "a long passphrase" not in first


def test_verify_accepts_only_the_right_password():
    stored = password_hashing.hash_password("a long passphrase")
    assert password_hashing.verify(stored, "a long passphrase")
    assert not password_hashing.verify(stored, "a long passphrasE")


def test_no_stored_hash_still_costs_one_check_at_the_same_cost(monkeypatch):
    """An unknown account (or one with no password yet) is checked against a dummy hash of the
    same method, so it takes as long as a real account and never matches."""
    checked = []
    real_check = password_hashing.check_password_hash
    monkeypatch.setattr(password_hashing, "check_password_hash",
                        lambda stored, given: checked.append(stored) or real_check(stored, given))
    assert not password_hashing.verify(None, "a long passphrase")
    assert len(checked) == 1 and checked[0].startswith(password_hashing.METHOD + "$")
