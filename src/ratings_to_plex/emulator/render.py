"""XML rendering of items and containers, by string building (much faster than ElementTree for big pages).

Shapes follow PLEX_PROTOCOL.md §2.3: unrated items carry no `userRating`/`lastRatedAt`, `viewCount` is absent
when 0, booleans are 0/1, and Guid children appear only when asked for (or on full metadata).
"""

from __future__ import annotations

from collections.abc import Iterable

from .library import Item, Library, Section

_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\n": "&#10;", "\r": "&#13;",
                          "\t": "&#9;"})
XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'


def esc(value: object) -> str:
    """Escape a value for use inside a double-quoted XML attribute."""
    return str(value).translate(_ESCAPES)


def attrs(pairs: Iterable[tuple[str, object]]) -> str:
    """Render `name="value"` pairs, skipping None values."""
    return "".join(f' {k}="{esc(v)}"' for k, v in pairs if v is not None)


def element(tag: str, pairs: Iterable[tuple[str, object]], children: str = "") -> str:
    """One element with attributes and optional pre-rendered children."""
    if children:
        return f"<{tag}{attrs(pairs)}>{children}</{tag}>"
    return f"<{tag}{attrs(pairs)}/>"


def container(pairs: Iterable[tuple[str, object]], children: str = "") -> bytes:
    """A full `<MediaContainer>` document, UTF-8 encoded."""
    return (XML_HEAD + element("MediaContainer", pairs, children)).encode("utf-8")


def render_item(lib: Library, item: Item, *, guids: bool, with_section: bool) -> str:
    """Render one item element; `with_section` adds librarySectionID/Key/Title (metadata and cross-section)."""
    rk = item.rating_key
    is_dir = item.type in ("show", "season")
    parts = [
        f'<{"Directory" if is_dir else "Video"} ratingKey="{rk}" key="/library/metadata/{rk}'
        f'{"/children" if is_dir else ""}" guid="{esc(item.guid)}" type="{item.type}" title="{esc(item.title)}"'
    ]
    if with_section:
        section = lib.sections[item.section_id]
        parts.append(
            f' librarySectionID="{section.key}" librarySectionKey="/library/sections/{section.key}"'
            f' librarySectionTitle="{esc(section.title)}"'
        )
    if item.title_sort is not None:
        parts.append(f' titleSort="{esc(item.title_sort)}"')
    if item.original_title is not None:
        parts.append(f' originalTitle="{esc(item.original_title)}"')
    if item.year is not None:
        parts.append(f' year="{item.year}"')
    if item.index is not None:
        parts.append(f' index="{item.index}"')
    if item.type == "season" or item.type == "episode":
        parts.append(_parent_attrs(lib, item))
    if item.user_rating is not None:
        parts.append(f' userRating="{item.user_rating!r}"')
        if item.last_rated_at is not None:
            parts.append(f' lastRatedAt="{item.last_rated_at}"')
    if is_dir:
        leaf_count, viewed = lib.leaf_counts(item)
        parts.append(f' leafCount="{leaf_count}" viewedLeafCount="{viewed}" childCount="{len(item.children or ())}"')
        # A show's (season's) viewCount counts plays of its episodes, so partly watched shows have one too;
        # "watched" is viewedLeafCount == leafCount.
        view_count = sum(leaf.view_count for leaf in lib.leaves(item))
    else:
        view_count = item.view_count
    if view_count:
        parts.append(f' viewCount="{view_count}"')
    if item.last_viewed_at is not None and view_count:
        parts.append(f' lastViewedAt="{item.last_viewed_at}"')
    parts.append(f' addedAt="{item.added_at}" updatedAt="{item.added_at}"')
    if guids and item.guids:
        parts.append(">")
        parts.extend(f'<Guid id="{esc(g)}"/>' for g in item.guids)
        parts.append("</Directory>" if is_dir else "</Video>")
    else:
        parts.append("/>")
    return "".join(parts)


def _parent_attrs(lib: Library, item: Item) -> str:
    parent = lib.items.get(item.parent_key) if item.parent_key is not None else None
    if parent is None:
        return ""
    if item.type == "season":
        return (
            f' parentRatingKey="{parent.rating_key}" parentKey="/library/metadata/{parent.rating_key}"'
            f' parentTitle="{esc(parent.title)}" parentGuid="{esc(parent.guid)}"'
        )
    grand = lib.items.get(item.grandparent_key) if item.grandparent_key is not None else None
    out = (
        f' parentRatingKey="{parent.rating_key}" parentKey="/library/metadata/{parent.rating_key}"'
        f' parentTitle="{esc(parent.title)}" parentIndex="{parent.index}"'
    )
    if grand is not None:
        out += (
            f' grandparentRatingKey="{grand.rating_key}" grandparentKey="/library/metadata/{grand.rating_key}"'
            f' grandparentTitle="{esc(grand.title)}" grandparentGuid="{esc(grand.guid)}"'
        )
    return out


def section_container_attrs(section: Section) -> list[tuple[str, object]]:
    """Container attributes that plexapi copies onto every item of a section listing."""
    return [
        ("allowSync", 1),
        ("identifier", "com.plexapp.plugins.library"),
        ("librarySectionID", section.key),
        ("librarySectionTitle", section.title),
        ("librarySectionUUID", section.uuid),
        ("mediaTagPrefix", "/system/bundle/media/flags/"),
        ("mediaTagVersion", 1_735_689_600),
        ("title1", section.title),
        ("viewGroup", section.type),
    ]


def render_section_directory(section: Section) -> str:
    """One `<Directory>` of `/library/sections`."""
    return element(
        "Directory",
        [
            ("key", section.key), ("type", section.type), ("title", section.title), ("agent", section.agent),
            ("scanner", section.scanner), ("language", section.language), ("uuid", section.uuid), ("allowSync", 1),
            ("filters", 1), ("refreshing", 0), ("content", 1), ("directory", 1), ("createdAt", 1_600_000_000),
            ("updatedAt", 1_735_689_600), ("scannedAt", 1_735_689_600), ("hidden", 0),
        ],
        element("Location", [("id", section.key), ("path", section.location)]),
    )


_FIELD_TYPES = (
    '<FieldType type="string"><Operator key="=" title="contains"/><Operator key="!=" title="does not contain"/>'
    '<Operator key="==" title="is"/><Operator key="!==" title="is not"/></FieldType>'
    '<FieldType type="integer"><Operator key="=" title="is"/><Operator key="!=" title="is not"/>'
    '<Operator key="&gt;&gt;=" title="is greater than"/><Operator key="&lt;&lt;=" title="is less than"/></FieldType>'
)


def render_meta(section: Section) -> str:
    """The `<Meta>` block plexapi loads to validate search filters (PLEX_PROTOCOL.md §2.2)."""
    libtypes = ["movie"] if section.type == "movie" else ["show", "season", "episode"]
    types = []
    for i, libtype in enumerate(libtypes):
        prefix = "" if libtype == section.type else f"{libtype}."
        fields = (
            f'<Field key="{prefix}title" title="Title" type="string"/>'
            f'<Field key="{prefix}year" title="Year" type="integer"/>'
            f'<Field key="{prefix}userRating" title="User Rating" type="integer"/>'
        )
        num = {"movie": 1, "show": 2, "season": 3, "episode": 4}[libtype]
        active = 1 if i == 0 else 0
        types.append(
            f'<Type key="/library/sections/{section.key}/all?type={num}" type="{libtype}"'
            f' title="{libtype.capitalize()}s" active="{active}">{fields}</Type>'
        )
    return "<Meta>" + "".join(types) + _FIELD_TYPES + "</Meta>"
