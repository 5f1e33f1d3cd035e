"""Speed and memory benchmarks: ``python -m benchmarks [names...] [--runs N]``.

Each benchmark prints its figures and a ratio against a baseline measured in the same run
(medians of several runs), with the target from issue 7:

  cold     cold build of the seed (empty cache) / ``espeak-ng -w`` + ``ffmpeg`` to MP3   <= 1.0
  rebuild  rebuild after changing one sentence of the seed / cold build                <= 0.35
  book     25,000+ word book: peak RSS (whole process tree) <= 250 MB, and
           time per word / the seed's cold time per word                               <= 1.10
  help     ``podcast --help`` wall time / 0.25 s                                       <= 1.0
  script   ``podcast script`` on 10 MB of text / on 1 MB: time per MB <= 1.2, and peak RSS
           growth <= 8 MB per MB of text (issue 18; benchmarks/script.py)

Nothing here is a test: the machine's load changes the figures, so each ratio compares
runs made minutes apart on the same machine.
"""

from __future__ import annotations

import argparse
import compileall
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks import script

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "trump-musk-x-interview.txt"
ALICE = Path(__file__).resolve().parent / "data" / "alice_chapters_1-3.txt"  # public domain
BITRATE_KBPS = 96
RATE_WPM = 165
PAGE = os.sysconf("SC_PAGE_SIZE")


def podcast_cmd() -> list[str]:
    script = Path(sys.executable).with_name("podcast")
    return [str(script)] if script.exists() else [sys.executable, "-m", "podcast"]


def _tree_memory(root: int) -> tuple[int, int]:
    """Resident bytes (RSS, and PSS: shared pages split) of ``root`` and its descendants."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as fh:
                    stat = fh.read()
                parents[int(entry)] = int(stat[stat.rindex(b")") + 2 :].split()[1])
            except (OSError, ValueError):
                continue
    tree, frontier = {root}, [root]
    while frontier:
        pid = frontier.pop()
        for child, parent in parents.items():
            if parent == pid and child not in tree:
                tree.add(child)
                frontier.append(child)
    rss = pss = 0
    for pid in tree:
        try:
            with open(f"/proc/{pid}/statm") as fh:
                rss += int(fh.read().split()[1]) * PAGE
            with open(f"/proc/{pid}/smaps_rollup") as fh:
                for line in fh:
                    if line.startswith("Pss:"):
                        pss += int(line.split()[1]) * 1024
                        break
        except (OSError, ValueError, IndexError):
            continue
    return rss, pss


def run(
    cmd: list[str], env: dict[str, str] | None = None, watch_rss: bool = False
) -> tuple[float, tuple[int, int]]:
    """Wall seconds and peak (RSS, PSS) bytes of the whole process tree (when watched)."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as errors:  # a file, not a pipe: a full pipe would block it
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=errors)
        peak_rss = peak_pss = 0
        while watch_rss and proc.poll() is None:
            rss, pss = _tree_memory(proc.pid)
            peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)
            time.sleep(0.1)
        proc.wait()
        wall = time.perf_counter() - start
        errors.seek(0)
        err = errors.read()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{err.decode()[-2000:]}")
    return wall, (peak_rss, peak_pss)


def build(
    source: Path, out: Path, cache: Path, watch_rss: bool = False
) -> tuple[float, tuple[int, int]]:
    env = {**os.environ, "PODCAST_CACHE_DIR": str(cache)}
    return run([*podcast_cmd(), "build", str(source), "--out", str(out)], env, watch_rss)


def baseline(source: Path, work: Path) -> float:
    """``espeak-ng -w out.wav -f article`` then ``ffmpeg -i out.wav`` at our rate and bitrate."""
    from podcast.toolchain import find_ffmpeg

    wav, mp3 = work / "baseline.wav", work / "baseline.mp3"
    start = time.perf_counter()
    run([sys.executable, "-m", "benchmarks.espeak_w", str(source), str(wav),
         "--rate", str(RATE_WPM)])  # fmt: skip
    run([find_ffmpeg().path, "-hide_banner", "-loglevel", "error", "-y", "-i", str(wav),
         "-ar", "44100", "-ac", "1", "-b:a", f"{BITRATE_KBPS}k", str(mp3)])  # fmt: skip
    return time.perf_counter() - start


def words_in(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").split())


def report(name: str, ratio: float, target: float, detail: str) -> bool:
    ok = ratio <= target
    print(
        f"{name:8} ratio {ratio:5.2f} (target <= {target:g}) {'PASS' if ok else 'FAIL'}  {detail}"
    )
    sys.stdout.flush()
    return ok


# ------------------------------------------------------------------------------ benchmarks


class Bench:
    def __init__(self, runs: int, work: Path) -> None:
        self.runs = runs
        self.work = work
        self._cold: list[float] = []

    def fresh(self, name: str) -> Path:
        folder = Path(tempfile.mkdtemp(prefix=f"{name}.", dir=self.work))
        return folder

    def cold_times(self) -> list[float]:
        if not self._cold:
            for _ in range(self.runs):
                folder = self.fresh("cold")
                self._cold.append(build(SEED, folder / "out", folder / "cache")[0])
                shutil.rmtree(folder)
        return self._cold

    def cold(self) -> bool:
        ours, base = [], []
        for _ in range(self.runs):  # interleaved, so load changes hit both alike
            folder = self.fresh("cold")
            base.append(baseline(SEED, folder))
            ours.append(build(SEED, folder / "out", folder / "cache")[0])
            shutil.rmtree(folder)
        self._cold = ours
        b, o = statistics.median(base), statistics.median(ours)
        return report("cold", o / b, 1.0, f"build {o:.2f} s vs espeak-ng -w + ffmpeg {b:.2f} s "
                      f"(medians of {self.runs})")  # fmt: skip

    def rebuild(self) -> bool:
        folder = self.fresh("rebuild")
        article = folder / SEED.name
        text = SEED.read_text(encoding="utf-8")
        article.write_text(text, encoding="utf-8")
        cache, out = folder / "cache", folder / "out"
        build(article, out, cache)
        sentence = "Trump went online knowing that Musk would be a sympathetic host."
        if sentence not in text:
            raise SystemExit("the seed changed: pick another sentence to edit")
        times = []
        for run_number in range(self.runs):
            word = ("friendly", "welcoming", "generous", "kindly", "warm", "gentle")[run_number % 6]
            edited = text.replace(sentence, sentence.replace("sympathetic", word), 1)
            article.write_text(edited, encoding="utf-8")
            times.append(build(article, out, cache)[0])
            article.write_text(text, encoding="utf-8")
            build(article, out, cache)  # back to the original, cached
        shutil.rmtree(folder)
        cold = statistics.median(self.cold_times())
        r = statistics.median(times)
        return report("rebuild", r / cold, 0.35, f"rebuild {r:.2f} s vs cold {cold:.2f} s")

    def book(self) -> bool:
        folder = self.fresh("book")
        book = folder / "book.md"
        make_book(book)
        n = words_in(book)
        wall, (peak, pss) = build(book, folder / "out", folder / "cache", watch_rss=True)
        shutil.rmtree(folder)
        cold = statistics.median(self.cold_times())
        seed_per_word = cold / words_in(SEED)
        per_word = wall / n
        mb = peak / 1e6
        ok_rss = report("book-rss", mb / 250, 1.0, f"peak RSS {mb:.0f} MB summed over the "
                        f"process tree (PSS {pss / 1e6:.0f} MB), {n} words")  # fmt: skip
        ok_time = report("book", per_word / seed_per_word, 1.10,
                         f"{per_word * 1000:.2f} ms/word ({wall:.1f} s) vs seed "
                         f"{seed_per_word * 1000:.2f} ms/word")  # fmt: skip
        return ok_rss and ok_time

    def help(self) -> bool:
        times = [run([*podcast_cmd(), "--help"])[0] for _ in range(max(5, self.runs * 3))]
        python = [run([sys.executable, "-c", "pass"])[0] for _ in range(5)]
        h = statistics.median(times)
        return report("help", h / 0.25, 1.0, f"podcast --help {h * 1000:.0f} ms "
                      f"(bare python start {statistics.median(python) * 1000:.0f} ms)")  # fmt: skip


NAMES = ("Alice", "Mabel", "Ada", "Edith", "Clara", "Dinah")
ANIMALS = ("Rabbit", "Hare", "Stoat", "Badger", "Otter", "Weasel")


def make_book(path: Path, min_words: int = 25_000) -> None:
    """A public-domain book long enough: Alice chapters I-III, retold with other names.

    Each retelling renames the heroine and the rabbit, so its sentences differ from every
    other retelling's (no chunk is shared) while the prose stays real prose.
    """
    raw = ALICE.read_text(encoding="utf-8")
    body = raw[raw.index("CHAPTER I.\n", raw.index("Contents") + 300) :]
    chapters = re.split(r"\n(?=CHAPTER [IVX]+\.\n)", body)
    out = ["# Alice's Adventures, Retold\n"]
    count = 0
    retelling = 0
    while count < min_words:
        for chapter in chapters:
            lines = chapter.strip().splitlines()
            title = lines[1].strip() if len(lines) > 1 else "Chapter"
            text = "\n".join(lines[2:])
            text = text.replace("Alice", NAMES[retelling % len(NAMES)])
            text = text.replace("Rabbit", ANIMALS[retelling % len(ANIMALS)])
            paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip()]
            out.append(f"## {title}, told by {NAMES[retelling % len(NAMES)]}\n")
            out += [p + "\n" for p in paragraphs]
            count += sum(len(p.split()) for p in paragraphs)
        retelling += 1
    path.write_text("\n".join(out), encoding="utf-8")


def compile_bytecode() -> None:
    """Compile the package's bytecode first, as ``pip install`` does for an installed package.

    An editable install run with PYTHONDONTWRITEBYTECODE=1 (as in some CI images) otherwise
    compiles every module again in every process: the main one and each synthesis worker.
    """
    import podcast

    folder = Path(podcast.__file__).parent
    if not compileall.compile_dir(folder, quiet=1):
        print(f"note: could not compile the bytecode in {folder}; start-up times include it")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", default=["help", "cold", "rebuild", "book"])
    parser.add_argument("--runs", type=int, default=3, help="runs per median (default 3)")
    args = parser.parse_args()
    compile_bytecode()
    with tempfile.TemporaryDirectory(prefix="podcast-bench.") as work:
        bench = Bench(args.runs, Path(work))
        steps: dict[str, Callable[[], bool]] = {
            "help": bench.help, "cold": bench.cold, "rebuild": bench.rebuild, "book": bench.book,
            "script": lambda: script.bench(Path(work)),
        }  # fmt: skip
        results = [steps[name]() for name in args.names]
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
