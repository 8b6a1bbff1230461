"""Hostile output: \x1b]0;lesson-pwned\x07 escape sequences in names, prints and errors.

This lesson's own text carries an OSC title change: \x1b]0;docstring-pwned\x07 and a
markup-looking [bold]tag[/bold] and [/]oops[/]; all of it must show as text.
"""

import asyncio
import sys
import threading

ESC = "\x1b"
HOSTILE = [
    ESC + "]0;pwned-title" + "\x07",  # OSC 0: set the terminal title
    ESC + "]52;c;cHduZWQ=" + "\x07",  # OSC 52: write the clipboard ("pwned")
    ESC + "[2J" + ESC + "[H",  # clear the screen, cursor home
    ESC + "[5;5H" + ESC + "[31mred" + ESC + "[0m",  # cursor move, colour
    "bell\x07 back\x08space nul\x00 del\x7f",
    "carriage\rreturn",
    "c1 csi\x9b2J osc\x9d0;c1-title\x9c nel\x85",
    "tab\there",
    "[/]oops[/] [bold]not bold[/bold] [link=x]",
    "wide 漢字 emoji 🐍 combining e\u0301 rtl \u05e9\u05dc\u05d5\u05dd \u202eevil\u202c ls\u2028ps\u2029end",
]
RAW = "raw ESC in source: [2J"  # this literal holds a real ESC byte; the source view must not send it


def worker() -> None:
    print("thread says " + HOSTILE[0])


async def child(tag: str) -> str:
    await asyncio.sleep(0.1)
    print(tag)
    return tag


async def main() -> None:
    for line in HOSTILE:
        print(line)
        print(line, file=sys.stderr)
    print(RAW)
    names = [ESC + "]0;task-pwned\x07", "[/]oops[/]", "漢字🐍タスク名前", "nul\x00c1\x9bx"]
    tasks = [asyncio.create_task(child(name), name=name) for name in names]
    lock = asyncio.Lock()
    queue: asyncio.Queue[str] = asyncio.Queue()
    await queue.put(HOSTILE[0])
    async with lock:
        thread = threading.Thread(target=worker, name=ESC + "]0;thread-pwned\x07[/]")
        thread.start()
        await asyncio.sleep(0.05)
        thread.join()
    await asyncio.gather(*tasks)
    raise ValueError("bad slice [start=1:2] " + ESC + "]0;pwned\x07 [/]oops[/]")


if __name__ == "__main__":
    asyncio.run(main())
