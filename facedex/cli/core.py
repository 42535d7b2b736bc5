"""Core commands: index, search, faces, verify, eval, stats, delete, rebuild."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from facedex.cli.common import LibraryOpt, console, friendly_errors, open_engine


def register(app: typer.Typer) -> None:
    app.command("index")(index)
    app.command("search")(search)
    app.command("faces")(faces)
    app.command("verify")(verify)
    app.command("eval")(evaluate)
    app.command("stats")(stats)
    app.command("delete")(delete)
    app.command("rebuild")(rebuild)


def index(
    paths: list[Path] = typer.Argument(..., help="Folders or image files to index"),
    library: Path = LibraryOpt,
    workers: int = typer.Option(None, "--workers", "-w", help="Worker processes (default 2)"),
    detector: str = typer.Option(None, help="blazeface (default), hog, onnx:<name>"),
    embedder: str = typer.Option(None, help="dlib-resnet (default), onnx:<name>"),
    quiet: bool = typer.Option(False, "--quiet", "-q"),
    reembed: bool = typer.Option(
        False,
        "--reembed",
        help="Process indexed images again, replacing their faces "
        "(after changing the embedder or detector)",
    ),
) -> None:
    """Find, embed and index every face under PATHS. A rerun skips what is indexed."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from facedex.sources.folder import FolderSource

    with friendly_errors():
        eng = open_engine(library, workers=workers, detector=detector, embedder=embedder)
        src = FolderSource(paths)
        total = sum(1 for _ in src.files())
        with Progress(
            TextColumn("[bold]indexing"),
            BarColumn(),
            TextColumn(
                "{task.completed}/{task.total} images  {task.fields[faces]} faces  "
                "{task.fields[failed]} failed  {task.fields[rate]:.1f} img/s"
            ),
            TimeElapsedColumn(),
            console=console,
            disable=quiet,
        ) as bar:
            task = bar.add_task("index", total=total, faces=0, failed=0, rate=0.0)

            def progress(st, rec):
                bar.update(
                    task,
                    completed=st.processed + st.skipped,
                    faces=st.faces,
                    failed=st.failed,
                    rate=st.images_per_s,
                )

            st = eng.index_items(src, src.label, on_progress=progress, reembed=reembed)
        eng.close()
        d = st.as_dict()
        console.print(
            f"{d['processed']} processed, {d['skipped']} already indexed, "
            f"{d['faces']} faces, {d['no_face']} without a face, {d['failed']} failed "
            f"({d['images_per_s']} images/s)"
        )
        for code, n in sorted(st.errors.items()):
            console.print(f"  {n} x {code}  (see 'facedex stats --errors')")


def search(
    image: Path = typer.Argument(None, help="Photo with the face to look for"),
    library: Path = LibraryOpt,
    k: int = typer.Option(10, "--k", "-k", min=1, max=1000),
    face: str = typer.Option(
        "largest", help="largest, best, or the face number from 'facedex faces'"
    ),
    face_id: int = typer.Option(None, "--face-id", help="Search with an indexed face instead"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Most similar indexed faces to the face in IMAGE (or to an indexed face)."""
    from rich.table import Table

    from facedex.engine import SearchResult

    with friendly_errors():
        if (image is None) == (face_id is None):
            raise typer.BadParameter("give either an IMAGE or --face-id, not both or neither")
        eng = open_engine(library)
        if face_id is not None:
            res = SearchResult(
                faces=[],
                chosen=-1,
                threshold=eng.threshold,
                model=eng.model_name,
                matches=eng.search_face_id(face_id, k=k),
            )
        else:
            which: int | str = int(face) if face.isdigit() else face
            res = eng.search(image, k=k, face=which)
        if as_json:
            print(json.dumps(res.as_dict(), indent=2))
            return
        t = Table(
            title=f"{len(res.faces)} face(s) in query, searching face {res.chosen}; "
            f"same person if similarity >= {res.threshold:.3f}"
        )
        for col in ("rank", "similarity", "same?", "face"):
            t.add_column(col)
        t.add_column("image", overflow="fold")
        t.add_column("box")
        for i, m in enumerate(res.matches, 1):
            t.add_row(
                str(i),
                f"{m.similarity:.3f}",
                "yes" if m.same_person else "no",
                str(m.face_id),
                m.source,
                ",".join(f"{v:.0f}" for v in m.box),
            )
        console.print(t)


def faces(
    image: Path = typer.Argument(...),
    as_json: bool = typer.Option(False, "--json"),
    detector: str = typer.Option(None),
) -> None:
    """Every face in IMAGE: box, landmarks, detection score and quality."""
    from rich.table import Table

    with friendly_errors():
        import tempfile

        from facedex.config import Settings
        from facedex.engine import Engine

        with tempfile.TemporaryDirectory() as tmp:
            eng = Engine(tmp, Settings(detector=detector) if detector else Settings())
            found = eng.faces(image, embed=False)
        if as_json:
            print(json.dumps([f.as_dict() for f in found], indent=2))
            return
        t = Table(title=f"{len(found)} face(s) in {image}")
        for col in ("#", "box", "score", "quality", "landmarks"):
            t.add_column(col)
        for i, f in enumerate(found):
            t.add_row(
                str(i),
                ",".join(f"{v:.0f}" for v in f.box),
                f"{f.score:.3f}",
                f"{f.quality:.3f}",
                " ".join(f"({x:.0f},{y:.0f})" for x, y in f.landmarks),
            )
        console.print(t)


def verify(
    a: Path = typer.Argument(...),
    b: Path = typer.Argument(...),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Are the (largest) faces in A and B the same person?"""
    import tempfile

    with friendly_errors(), tempfile.TemporaryDirectory() as tmp:
        eng = open_engine(Path(tmp))
        r = eng.verify(a, b)
        if as_json:
            print(json.dumps(r.as_dict()))
        else:
            console.print(
                f"{'same person' if r.same_person else 'different people'}: "
                f"similarity {r.similarity:.4f} (threshold {r.threshold:.4f}, "
                f"model {r.model})"
            )


def evaluate(
    pairs: Path = typer.Argument(..., help="CSV file_x,file_y,label or LFW pairs.txt"),
    root: Path = typer.Option(None, "--root", help="Folder the image names are relative to"),
    plot: Path = typer.Option(Path("roc.png"), "--plot", help="Where to write the ROC curve"),
    as_json: bool = typer.Option(False, "--json"),
    limit: int = typer.Option(0, help="Only the first N pairs (0 = all)"),
) -> None:
    """Verification accuracy on labelled pairs, with an ROC curve."""
    from facedex.evaluate import evaluate_pairs, load_pairs

    with friendly_errors():
        items = load_pairs(pairs, root)
        if limit:
            items = items[:limit]
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            eng = open_engine(Path(tmp))
            rep = evaluate_pairs(eng, items, plot=plot)
        if as_json:
            print(json.dumps(rep, indent=2))
            return
        for k, v in rep.items():
            console.print(f"{k:>24}: {v}")


def stats(
    library: Path = LibraryOpt,
    errors: bool = typer.Option(False, "--errors", help="List failed images"),
) -> None:
    """Images, faces, models and index size of a library."""
    with friendly_errors():
        eng = open_engine(library)
        print(json.dumps(eng.stats(), indent=2))
        if errors:
            for row in eng.catalog.images(status="error", limit=10_000):
                print(f"{row.error_code}\t{row.source}\t{row.error}")


def delete(
    library: Path = LibraryOpt,
    face: list[int] = typer.Option([], "--face", help="Face id to erase (repeatable)"),
    image: list[int] = typer.Option([], "--image", help="Image id to erase (repeatable)"),
) -> None:
    """Erase faces or images from the catalog and the index."""
    with friendly_errors():
        eng = open_engine(library)
        n = eng.delete_faces(list(face)) if face else 0
        for i in image:
            n += eng.delete_image(i)
        console.print(f"{n} face(s) erased")


def rebuild(library: Path = LibraryOpt) -> None:
    """Rebuild the ANN index from the catalog's vectors."""
    with friendly_errors():
        eng = open_engine(library)
        console.print(f"index rebuilt: {eng.rebuild_index()} vectors")
