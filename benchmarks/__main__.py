"""Speed and memory benchmarks: ``python -m benchmarks [names...] [--runs N]``.

Each benchmark prints its figures and a ratio against a baseline measured in the same run
(medians of several runs), with the targets of issue 19:

  cold        cold build of the seed (empty cache), all deliverables, with the ffmpeg podcast
              picks (the system's when there is one) / ``espeak-ng -w`` + ``ffmpeg`` to MP3 <= 0.6
  cold-wheel  the same with the wheel's ffmpeg for both (PODCAST_FFMPEG=wheel)          <= 0.6
  rebuild     rebuild after changing one sentence of the seed / cold build              <= 0.25
  noop        rebuild with nothing changed / five times ``podcast --help``              <= 1.0
  book        25,000+ word dialogue-heavy book: peak RSS (whole process tree) <= 250 MB, and
              time per word / the seed's cold time per word                             <= 1.0
  help        ``podcast --help`` wall time / 0.1 s                                      <= 1.0
  natural     cold build of the seed with the Piper voice / ``piper -i`` + ``ffmpeg``   <= 0.8
              (needs the ``natural`` extra; skipped without it)
  script      ``podcast script`` on 10 MB of text / on 1 MB: time per MB <= 1.2, and peak RSS
              growth <= 8 MB per MB of text (issue 18; benchmarks/script.py)

Nothing here is a test: the machine's load changes the figures, so each ratio compares
runs made minutes apart on the same machine. ``natural`` and ``script`` run only when named.
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


def _spawning(pid: int, parent: int) -> bool:
    """Whether ``pid`` is its parent forked on its way to ``exec`` (subprocess's vfork: the
    same pages as the parent, read twice if counted; seen in 2 of 4 samplings of the book
    as a second 73-82 MB copy of the build's main process)."""
    try:
        same_program = os.readlink(f"/proc/{pid}/exe") == os.readlink(f"/proc/{parent}/exe")
        with (
            open(f"/proc/{pid}/cmdline", "rb") as mine,
            open(f"/proc/{parent}/cmdline", "rb") as theirs,
        ):
            return same_program and mine.read() == theirs.read()
    except OSError:
        return False


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
        if pid != root and _spawning(pid, parents.get(pid, 0)):
            continue
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
    source: Path,
    out: Path,
    cache: Path,
    watch_rss: bool = False,
    env: dict[str, str] | None = None,
    args: tuple[str, ...] = (),
) -> tuple[float, tuple[int, int]]:
    env = {**os.environ, **(env or {}), "PODCAST_CACHE_DIR": str(cache)}
    command = [*podcast_cmd(), "build", str(source), "--out", str(out), *args]
    return run(command, env, watch_rss)


def ffmpeg_path(env: dict[str, str]) -> str:
    """The ffmpeg podcast would use under ``env`` (PODCAST_FFMPEG=wheel: the wheel's)."""
    code = "from podcast.toolchain import find_ffmpeg; print(find_ffmpeg().path)"
    found = subprocess.run(
        [sys.executable, "-c", code], env={**os.environ, **env}, capture_output=True, text=True,
        check=True,
    )  # fmt: skip
    return found.stdout.strip()


def to_mp3(ffmpeg: str, wav: Path, mp3: Path) -> None:
    run([ffmpeg, "-hide_banner", "-loglevel", "error", "-y", "-i", str(wav),
         "-ar", "44100", "-ac", "1", "-b:a", f"{BITRATE_KBPS}k", str(mp3)])  # fmt: skip


def baseline(source: Path, work: Path, ffmpeg: str) -> float:
    """``espeak-ng -w out.wav -f article`` then ``ffmpeg -i out.wav`` at our rate and bitrate."""
    wav, mp3 = work / "baseline.wav", work / "baseline.mp3"
    start = time.perf_counter()
    run([sys.executable, "-m", "benchmarks.espeak_w", str(source), str(wav),
         "--rate", str(RATE_WPM)])  # fmt: skip
    to_mp3(ffmpeg, wav, mp3)
    return time.perf_counter() - start


def piper_baseline(source: Path, work: Path, model: Path, ffmpeg: str) -> float:
    """Piper's own CLI on the whole article, then ``ffmpeg`` to MP3 (what a user would type)."""
    wav, mp3 = work / "piper.wav", work / "piper.mp3"
    piper = Path(sys.executable).with_name("piper")
    start = time.perf_counter()
    run([str(piper), "-m", str(model), "-i", str(source), "-f", str(wav)])
    to_mp3(ffmpeg, wav, mp3)
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


WHEEL = {"PODCAST_FFMPEG": "wheel"}


class Bench:
    def __init__(self, runs: int, work: Path) -> None:
        self.runs = runs
        self.work = work
        self._cold: list[float] = []
        self._help: list[float] = []

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

    def _cold_against_hand(self, name: str, env: dict[str, str]) -> tuple[bool, list[float]]:
        ffmpeg = ffmpeg_path(env)
        ours, base = [], []
        for _ in range(self.runs):  # interleaved, so load changes hit both alike
            folder = self.fresh("cold")
            base.append(baseline(SEED, folder, ffmpeg))
            ours.append(build(SEED, folder / "out", folder / "cache", env=env)[0])
            shutil.rmtree(folder)
        b, o = statistics.median(base), statistics.median(ours)
        ok = report(name, o / b, 0.6, f"build {o:.2f} s vs espeak-ng -w + ffmpeg {b:.2f} s "
                    f"(medians of {self.runs}; {ffmpeg})")  # fmt: skip
        return ok, ours

    def cold(self) -> bool:
        ok, self._cold = self._cold_against_hand("cold", {})
        return ok

    def cold_wheel(self) -> bool:
        return self._cold_against_hand("cold-wheel", WHEEL)[0]

    def _edited_builds(self, change: bool) -> list[float]:
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
            if change:
                word = ("friendly", "welcoming", "generous", "kindly", "warm", "gentle")[
                    run_number % 6
                ]
                edited = text.replace(sentence, sentence.replace("sympathetic", word), 1)
                article.write_text(edited, encoding="utf-8")
            times.append(build(article, out, cache)[0])
            if change:
                article.write_text(text, encoding="utf-8")
                build(article, out, cache)  # back to the original, cached
        shutil.rmtree(folder)
        return times

    def rebuild(self) -> bool:
        r = statistics.median(self._edited_builds(change=True))
        cold = statistics.median(self.cold_times())
        return report("rebuild", r / cold, 0.25, f"rebuild {r:.2f} s vs cold {cold:.2f} s")

    def noop(self) -> bool:
        r = statistics.median(self._edited_builds(change=False))
        h = statistics.median(self.help_times())
        return report("noop", r / (5 * h), 1.0,
                      f"rebuild with no change {r:.2f} s vs 5 x podcast --help {5 * h:.2f} s")  # fmt: skip

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
        ok_time = report("book", per_word / seed_per_word, 1.0,
                         f"{per_word * 1000:.2f} ms/word ({wall:.1f} s) vs seed "
                         f"{seed_per_word * 1000:.2f} ms/word")  # fmt: skip
        return ok_rss and ok_time

    def help_times(self) -> list[float]:
        if not self._help:
            self._help = [run([*podcast_cmd(), "--help"])[0] for _ in range(max(5, self.runs * 3))]
        return self._help

    def help(self) -> bool:
        python = [run([sys.executable, "-c", "pass"])[0] for _ in range(5)]
        h = statistics.median(self.help_times())
        return report("help", h / 0.1, 1.0, f"podcast --help {h * 1000:.0f} ms "
                      f"(bare python start {statistics.median(python) * 1000:.0f} ms)")  # fmt: skip

    def natural(self) -> bool:
        try:
            from podcast.engines.piper import packaged_voices

            model = packaged_voices()["en_US-joe-medium"][0]
        except (ImportError, KeyError):
            print("natural  skipped: the natural extra (piper-tts, the joe voice) is not installed")
            return True
        ffmpeg = ffmpeg_path({})
        ours, base = [], []
        for _ in range(self.runs):
            folder = self.fresh("natural")
            base.append(piper_baseline(SEED, folder, model, ffmpeg))
            ours.append(build(SEED, folder / "out", folder / "cache",
                              args=("--voice", "natural"))[0])  # fmt: skip
            shutil.rmtree(folder)
        b, o = statistics.median(base), statistics.median(ours)
        return report("natural", o / b, 0.8, f"build --voice natural {o:.1f} s vs piper -i + "
                      f"ffmpeg {b:.1f} s (medians of {self.runs})")  # fmt: skip


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
    parser.add_argument(
        "names", nargs="*", default=["help", "cold", "cold-wheel", "rebuild", "noop", "book"]
    )
    parser.add_argument("--runs", type=int, default=3, help="runs per median (default 3)")
    args = parser.parse_args()
    compile_bytecode()
    with tempfile.TemporaryDirectory(prefix="podcast-bench.") as work:
        bench = Bench(args.runs, Path(work))
        steps: dict[str, Callable[[], bool]] = {
            "help": bench.help, "cold": bench.cold, "cold-wheel": bench.cold_wheel,
            "rebuild": bench.rebuild, "noop": bench.noop, "book": bench.book,
            "natural": bench.natural,
            "script": lambda: script.bench(Path(work)),
        }  # fmt: skip
        results = [steps[name]() for name in args.names]
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
