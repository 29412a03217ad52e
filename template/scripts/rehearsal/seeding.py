"""The generated customer table: as many rows as asked for, with names and
e-mail addresses that search can find, loaded by one INSERT ... SELECT."""

from .postgres import Postgres
from .report import done

# The generated customers' names: 32 first names and 32 x 32 = 1,024 last
# names, spread over the table by multiplicative hashing, so a search for a
# last name matches about 0.1 % of the rows, scattered as real ones are.
FIRST_NAMES = (
    "Ada",
    "Alan",
    "Barbara",
    "Claude",
    "Donald",
    "Edsger",
    "Frances",
    "Grace",
    "Hedy",
    "Ida",
    "Jean",
    "John",
    "Karen",
    "Ken",
    "Leslie",
    "Linus",
    "Margaret",
    "Mary",
    "Niklaus",
    "Radia",
    "Richard",
    "Ruth",
    "Shafi",
    "Sophie",
    "Tim",
    "Tony",
    "Ursula",
    "Vint",
    "Whitfield",
    "Xavier",
    "Yukihiro",
    "Zelda",
)
LAST_NAME_STARTS = (
    "Ash",
    "Bell",
    "Brook",
    "Cald",
    "Cross",
    "Dale",
    "Elm",
    "Fair",
    "Fern",
    "Glen",
    "Hart",
    "Hazel",
    "Holl",
    "Kings",
    "Lang",
    "Lock",
    "Mars",
    "Mill",
    "Moor",
    "North",
    "Oak",
    "Pem",
    "Red",
    "Rook",
    "Rose",
    "Shel",
    "Stan",
    "Thorn",
    "Wake",
    "West",
    "Whit",
    "Wood",
)
LAST_NAME_ENDS = (
    "bury",
    "by",
    "croft",
    "dale",
    "den",
    "field",
    "ford",
    "gate",
    "grove",
    "ham",
    "hill",
    "holm",
    "hurst",
    "ington",
    "land",
    "ley",
    "low",
    "mere",
    "more",
    "ridge",
    "shaw",
    "stead",
    "stock",
    "stone",
    "thwaite",
    "ton",
    "wall",
    "well",
    "wick",
    "win",
    "worth",
    "yard",
)


def pg_array(words: tuple[str, ...]) -> str:
    return "{" + ",".join(words) + "}"


def last_name(n: int) -> str:
    """The last name the seed gives customer number n (as the SQL computes it)."""
    index = n * 104729 % 1024
    return LAST_NAME_STARTS[index // 32] + LAST_NAME_ENDS[index % 32]


def all_last_names() -> list[str]:
    """Every last name the seed can give, each about 0.1 % of the rows."""
    return [start + end for start in LAST_NAME_STARTS for end in LAST_NAME_ENDS]


def seed(database: Postgres, customers: int) -> None:
    database.psql(
        "INSERT INTO customers (first_name, last_name, email, phone, company, is_active,"
        " created_at, updated_at)"
        " SELECT first, last, lower(first || '.' || last || '.' || n) || '@example.com',"
        " '', 'Rehearsal', n % 10 <> 0, now() - n * interval '1 second', now()"
        " FROM generate_series(1::bigint, :count) AS n,"
        " LATERAL (SELECT (:'first_names'::text[])[1 + n * 7919 % 32] AS first,"
        " (:'starts'::text[])[1 + n * 104729 % 1024 / 32]"
        " || (:'ends'::text[])[1 + n * 104729 % 32] AS last) AS names;"
        " ANALYZE customers;",
        count=customers,
        first_names=pg_array(FIRST_NAMES),
        starts=pg_array(LAST_NAME_STARTS),
        ends=pg_array(LAST_NAME_ENDS),
    )
    done(f"{customers} customers loaded")
