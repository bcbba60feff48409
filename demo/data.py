"""The demo organisation as data: read once from the JSON files in demo/data/.

Who works where, the campaigns and their posts, the copy, and the traffic the activity seed
simulates live in those files; the modules next to this one only know how to seed them. Edit a
file, run `manage.py seed_demo` on a fresh database, and the demo follows.
"""

import json
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from accounts.roles import EMPLOYEE

DATA_DIR = Path(__file__).resolve().parent / "data"


def _load(name: str) -> dict:
    with (DATA_DIR / f"{name}.json").open(encoding="utf-8") as file:
        return json.load(file)


@dataclass(frozen=True)
class PersonSpec:
    first_name: str
    last_name: str
    location: str
    language: str = "en"
    team: str = ""  # empty: from the team cycle
    job_title: str = ""  # empty: from the team's titles, in turn
    role: str = EMPLOYEE


@dataclass(frozen=True)
class PostSpec:
    title: str
    path: str  # under the organisation's site
    headline: str  # one sentence: the X and Bluesky copy
    detail: str  # two or three sentences more for LinkedIn, Mastodon and the generic copy
    state: str  # draft, submitted, rejected, approved, upcoming, published (archived follows the campaign)
    topics: tuple[str, ...] = ()
    featured: bool = False
    disclaimer: str = ""
    image: bool = True  # images cost ~0.2 s each (six renditions), so not every post has one


RGB = tuple[int, int, int]


@dataclass(frozen=True)
class CampaignSpec:
    utm_campaign: str
    name: str
    narrative: str
    goal_metric: str
    goal_target: int
    starts_in_days: int  # relative to the first seeding
    ends_in_days: int
    hashtags: str
    launched: bool
    archived: bool = False
    audience_teams: tuple[str, ...] = ()
    palette: tuple[RGB, RGB] = ((31, 94, 255), (18, 32, 47))
    colour: str = "blue"  # the palette in words, for the images' alt text
    posts: tuple[PostSpec, ...] = ()


@dataclass(frozen=True)
class Organisation:
    company: str
    domain: str
    site: str
    password: str
    locations: dict[str, str]  # office name -> time zone
    team_titles: dict[str, list[str]]  # team name -> job titles handed out in turn
    team_cycle: list[str]  # the rhythm in which people without a team are placed
    digest_hours: list[int]
    people: list[PersonSpec]  # the staff first, so their places in the team rhythm stay stable

    @property
    def teams(self) -> list[str]:
        return list(self.team_titles)

    def email(self, person: PersonSpec) -> str:
        """'Mehmet Yılmaz' -> 'mehmet.yilmaz@<domain>' (ASCII local part)."""
        name = f"{person.first_name}.{person.last_name}".lower().replace("ı", "i").replace(" ", "-")
        ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
        return f"{ascii_name}@{self.domain}"


@dataclass(frozen=True)
class Content:
    topics: list[str]
    linkedin_closings: list[str]
    rejection_reason: str
    campaigns: list[CampaignSpec]


@dataclass(frozen=True)
class Traffic:
    share_networks: tuple[str, ...]
    referrers: dict[str, str]  # network -> the Referer its clicks carry
    browsers: tuple[str, ...]
    non_humans: tuple[str, ...]  # a preview fetcher and a crawler: traffic that must not count


def _rgb(colour: str) -> RGB:
    value = colour.removeprefix("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


@cache
def organisation() -> Organisation:
    raw = _load("organisation")
    return Organisation(
        company=raw["company"],
        domain=raw["domain"],
        site=raw["site"],
        password=raw["password"],
        locations=raw["locations"],
        team_titles=raw["team_titles"],
        team_cycle=raw["team_cycle"],
        digest_hours=raw["digest_hours"],
        people=[PersonSpec(**person) for person in raw["people"]],
    )


@cache
def content() -> Content:
    raw = _load("campaigns")
    disclaimers = {key: text.format(company=organisation().company) for key, text in raw["disclaimers"].items()}

    def post(spec: dict) -> PostSpec:
        return PostSpec(
            **{
                **spec,
                "topics": tuple(spec.get("topics", ())),
                "disclaimer": disclaimers[spec["disclaimer"]] if spec.get("disclaimer") else "",
            }
        )

    def campaign(spec: dict) -> CampaignSpec:
        top, bottom = spec["palette"]
        return CampaignSpec(
            **{
                **spec,
                "audience_teams": tuple(spec.get("audience_teams", ())),
                "palette": (_rgb(top), _rgb(bottom)),
                "posts": tuple(post(p) for p in spec["posts"]),
            }
        )

    return Content(
        topics=raw["topics"],
        linkedin_closings=raw["linkedin_closings"],
        rejection_reason=raw["rejection_reason"],
        campaigns=[campaign(spec) for spec in raw["campaigns"]],
    )


@cache
def traffic() -> Traffic:
    raw = _load("activity")
    return Traffic(
        share_networks=tuple(raw["share_networks"]),
        referrers=raw["referrers"],
        browsers=tuple(raw["browsers"]),
        non_humans=tuple(raw["non_humans"]),
    )


DEMO_PASSWORD = organisation().password
CAMPAIGNS = content().campaigns
