"""How one Twilio list resource is stored, filtered, ordered and paged (``ResourceSpec``)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ResourceSpec:
    """How one Twilio list resource is stored, filtered, ordered and paged.

    Attributes:
        name: Stream name (docs/streams-spec.md).
        product: Product (host) serving it.
        path: List path template; ``{param}`` placeholders in snake case.
        list_key: JSON key holding the records (None for single objects).
        envelope: ``flat`` (2010 paging keys), ``meta`` (v1/v2), ``bare`` (only
            ``uri`` + list, Twilio's AvailablePhoneNumbers quirk) or ``single``.
        parents: ``(path param, record field or None)`` for every path parameter
            after the account; they make up the storage scope.
        id_fields: Record fields identifying a record (``sid`` or a composite key).
        date_fields: Record date fields parsed for filtering/sorting.
        sort_field: Field ordering the list (a date field or an int field).
        descending: Newest first.
        nulls_first: Records with a null sort field come first.
        undated_switch: Where records with a null sort field go follows the sandbox's
            ``undated_order`` switch instead of ``nulls_first`` (Twilio documents
            nothing about it).
        max_page_size: Spec maximum of ``PageSize``.
        date_filters: 2010-style filters ``X``, ``X<``, ``X>``: base name -> field.
        range_filters: v1-style filters: param -> (field, op) with op ge/le/lt.
        eq_filters: Exact-match filters: param -> field.
        token: ``sid`` (keyset ``PA<sid>`` tokens) or ``offset`` (opaque tokens).
        account_in_path: 2010 API (account from the path) vs products (account
            of the credentials).
        service_path: Conversations: the per-service list path
            (``/v1/Services/{chat_service_sid}/...``); ``path`` then serves only the
            account's default Conversation Service.
    """

    name: str
    product: str
    path: str
    list_key: str | None
    envelope: str = "flat"
    parents: tuple[tuple[str, str | None], ...] = ()
    id_fields: tuple[str, ...] = ("sid",)
    date_fields: tuple[str, ...] = ("date_created", "date_updated")
    sort_field: str | None = "date_created"
    descending: bool = False
    nulls_first: bool = False
    undated_switch: bool = False
    max_page_size: int = 1000
    date_filters: dict[str, str] = field(default_factory=dict)
    range_filters: dict[str, tuple[str, str]] = field(default_factory=dict)
    eq_filters: dict[str, str] = field(default_factory=dict)
    token: str = "sid"
    account_in_path: bool = True
    service_path: str | None = None
    #: Filters Twilio applies when the request does not send them (param -> value;
    #: ``-4h``: four hours before the clock).
    default_filters: dict[str, str] = field(default_factory=dict)
    #: Served from ``twilio_sandbox.generators.curated``: an account without records has no table
    #: and its list is empty.
    lazy: bool = False

    @property
    def iso_dates(self) -> bool:
        """True for v1/v2 products (ISO 8601 dates), False for the 2010 API (RFC 2822)."""
        return self.product != "api"

    @property
    def parent_params(self) -> tuple[str, ...]:
        """Names of the parent path parameters."""
        return tuple(p for p, _ in self.parents)
