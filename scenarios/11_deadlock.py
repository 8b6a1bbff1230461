"""Deadlock: two locks taken in opposite order

alice takes the fork, then the knife. bob takes the knife, then the fork.
Each pauses for a moment after its first lock, so by the time either
reaches for its second lock the other one already holds it. Both wait
for ever, nothing else can run, and no timer is left to fire.

Step to the end: both tasks wait on a lock held by the other. The
recording stops with outcome "deadlock" and its report names the cycle,
alice -> knife -> bob -> fork -> alice. The usual cure is to make every
task take locks in the same order (fork before knife). Run with plain
`python`, this program simply hangs: asyncio does not detect deadlocks.
"""

import asyncio


async def diner(name, first, second):
    async with first:
        print(f"{name} took one utensil")
        await asyncio.sleep(1)  # long enough for the other diner to take theirs
        async with second:
            print(f"{name} eats")  # never reached


async def main():
    fork = asyncio.Lock()
    knife = asyncio.Lock()
    alice = asyncio.create_task(diner("alice", fork, knife), name="alice")
    bob = asyncio.create_task(diner("bob", knife, fork), name="bob")
    await asyncio.gather(alice, bob)
    return "dinner served"


if __name__ == "__main__":
    asyncio.run(main())
