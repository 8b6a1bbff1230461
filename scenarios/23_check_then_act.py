"""Check-then-act: two withdrawals, one balance

Goal: make the assert fail.

Each teller checks that the balance covers its withdrawal, then takes the
money. Checking and acting are two steps, and a thread switched out between
them acts on a check that is no longer true: both withdrawals pass the check,
both are taken, and the balance goes below zero.

The default schedule never shows it: each thread's slice covers its whole
withdrawal, and the assert holds, as it almost always does under `python`
(the window is a few instructions wide: that is why such bugs survive
testing). Press S to be the scheduler: let a teller's slice end at its next
switch point until it stands at the call to `log()`, between its check and
its withdrawal, then give the GIL to the other teller. `concur-tui explore`
finds such a schedule by itself. A Lock around check and act is the fix.
"""

import threading

balance = 100


def log(message):
    pass  # does nothing, but a call is a place where CPython may switch threads


def withdraw(amount):
    global balance
    if balance >= amount:
        log(f"approved {amount}")
        balance -= amount


def main():
    tellers = [threading.Thread(target=withdraw, args=(80,), name=f"teller-{n}") for n in (1, 2)]
    for teller in tellers:
        teller.start()
    for teller in tellers:
        teller.join()
    print("balance:", balance)
    assert balance >= 0, f"overdrawn: the balance is {balance}"


if __name__ == "__main__":
    main()
