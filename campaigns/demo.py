"""Demo data: a realistic organisation, its campaigns and suggested posts.

Everything goes through the same services the admin uses (employee_create, user_set_role,
campaign_launch, campaign_archive, post_transition, post_image_set), so the demo exercises the
real rules: every variant passes its network's limit, every workflow step is recorded.

Idempotent by natural keys (email, team name, location name, topic name, UTM slug,
campaign + post title): a second run creates nothing and changes nothing that exists.
Data of the other apps (short links, shares, clicks, points) is not seeded here.
"""

import datetime as dt
import io
import random
import unicodedata
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont

from accounts.models import Location, Team, User
from accounts.roles import ADVOCACY_ADMIN, CONTENT_MANAGER, EMPLOYEE, sync_roles
from accounts.services import employee_create

from .models import Campaign, GoalMetric, PostStatus, PostVariant, SuggestedPost, Topic
from .networks import Network
from .services import campaign_archive, campaign_launch, post_image_set, post_transition

DEMO_PASSWORD = "demo-advocacy-2026"
DEMO_DOMAIN = "northwind.example"
COMPANY = "Northwind Labs"
SITE = "https://www.northwind.example"

# (phase label, done, total): lets the command draw a progress bar without this module printing.
ProgressCallback = Callable[[str, int, int], None]

# --- The organisation -----------------------------------------------------------------

LOCATIONS = {
    "Berlin": "Europe/Berlin",
    "London": "Europe/London",
    "New York": "America/New_York",
}

TEAM_TITLES = {
    "Engineering": [
        "Engineering Manager",
        "Senior Backend Engineer",
        "Frontend Engineer",
        "Site Reliability Engineer",
        "Mobile Engineer",
        "Staff Engineer",
        "QA Engineer",
        "Data Engineer",
        "Backend Engineer",
    ],
    "Sales": ["Head of Sales", "Account Executive", "Sales Development Representative", "Solutions Consultant"],
    "Marketing": ["Product Marketing Manager", "Content Writer", "Brand Designer", "Events Manager"],
    "Customer Success": [
        "Customer Success Lead",
        "Customer Success Manager",
        "Support Engineer",
        "Onboarding Specialist",
    ],
    "People": ["People Partner", "Talent Acquisition Lead", "Recruiter", "People Operations Specialist"],
    "Finance": ["Finance Director", "Financial Analyst", "Accountant", "Payroll Specialist"],
}
TEAMS = list(TEAM_TITLES)

# Teams handed out in this rhythm: Engineering 18, Sales 12, Customer Success 12, the rest 6 each.
TEAM_CYCLE = [
    "Engineering",
    "Sales",
    "Engineering",
    "Customer Success",
    "Marketing",
    "Engineering",
    "Sales",
    "Finance",
    "Customer Success",
    "People",
]
DIGEST_HOURS = [8, 9, 7, 8, 12, 17, 9, 8, 18, 7, 10]


@dataclass(frozen=True)
class PersonSpec:
    first_name: str
    last_name: str
    location: str
    language: str = "en"
    team: str = ""  # empty: from TEAM_CYCLE
    job_title: str = ""  # empty: from TEAM_TITLES
    role: str = EMPLOYEE


# The three staff people come first so their places in the team rhythm stay stable.
PEOPLE = [
    PersonSpec(
        "Amira", "Haddad", "Berlin", team="Marketing", job_title="Head of Employee Advocacy", role=ADVOCACY_ADMIN
    ),
    PersonSpec("Priya", "Patel", "London", team="Marketing", job_title="Content Manager", role=CONTENT_MANAGER),
    PersonSpec(
        "Jessica", "Davis", "New York", team="Marketing", job_title="Social Media Manager", role=CONTENT_MANAGER
    ),
    PersonSpec("Anna", "Schmidt", "Berlin", "de"),
    PersonSpec("Michael", "Johnson", "New York"),
    PersonSpec("Oliver", "Smith", "London"),
    PersonSpec("Lukas", "Weber", "Berlin", "de"),
    PersonSpec("Sarah", "Miller", "New York"),
    PersonSpec("Amelia", "Jones", "London"),
    PersonSpec("Mia", "Fischer", "Berlin"),
    PersonSpec("David", "Garcia", "New York"),
    PersonSpec("Harry", "Taylor", "London"),
    PersonSpec("Jonas", "Becker", "Berlin", "de"),
    PersonSpec("Chris", "Rodriguez", "New York"),
    PersonSpec("Isla", "Brown", "London"),
    PersonSpec("Lea", "Wagner", "Berlin"),
    PersonSpec("Ashley", "Martinez", "New York"),
    PersonSpec("George", "Williams", "London"),
    PersonSpec("Felix", "Hoffmann", "Berlin", "de"),
    PersonSpec("Kevin", "Nguyen", "New York"),
    PersonSpec("Ava", "Wilson", "London"),
    PersonSpec("Hannah", "Schulz", "Berlin"),
    PersonSpec("Lauren", "Thompson", "New York"),
    PersonSpec("Arjun", "Shah", "London"),
    PersonSpec("Leon", "Koch", "Berlin", "de"),
    PersonSpec("Brian", "Lee", "New York"),
    PersonSpec("Chloe", "Evans", "London"),
    PersonSpec("Emilia", "Richter", "Berlin"),
    PersonSpec("Megan", "Clark", "New York"),
    PersonSpec("Thomas", "Wright", "London"),
    PersonSpec("Camille", "Laurent", "Berlin", "fr"),
    PersonSpec("Jamal", "Washington", "New York"),
    PersonSpec("Grace", "Walker", "London"),
    PersonSpec("Paul", "Klein", "Berlin", "de"),
    PersonSpec("Rachel", "Kim", "New York"),
    PersonSpec("Samuel", "Okafor", "London"),
    PersonSpec("Sophie", "Wolf", "Berlin"),
    PersonSpec("Tyler", "Lewis", "New York"),
    PersonSpec("Emily", "Hughes", "London"),
    PersonSpec("Elias", "Neumann", "Berlin", "de"),
    PersonSpec("Nicole", "Allen", "New York"),
    PersonSpec("Jack", "Robinson", "London"),
    PersonSpec("Marie", "Schwarz", "Berlin", "fr"),
    PersonSpec("Marcus", "Young", "New York"),
    PersonSpec("Chiara", "Rossi", "London"),
    PersonSpec("Noah", "Zimmermann", "Berlin"),
    PersonSpec("Sofia", "Hernández", "New York"),
    PersonSpec("Élodie", "Martin", "London", "fr"),
    PersonSpec("Clara", "Braun", "Berlin", "de"),
    PersonSpec("Ethan", "Cohen", "New York"),
    PersonSpec("Aisha", "Khan", "London"),
    PersonSpec("Mehmet", "Yılmaz", "Berlin", "de"),
    PersonSpec("Léa", "Dubois", "New York", "fr"),
    PersonSpec("Daniel", "Green", "London"),
    PersonSpec("Julia", "Hartmann", "Berlin", "de"),
    PersonSpec("Nikola", "Petrović", "Berlin"),
    PersonSpec("Lena", "Vogel", "Berlin", "de"),
    PersonSpec("Tim", "Lange", "Berlin"),
    PersonSpec("Ben", "Krüger", "Berlin", "de"),
    PersonSpec("Maximilian", "Roth", "Berlin"),
]


def demo_email(first_name: str, last_name: str) -> str:
    """'Mehmet Yılmaz' -> 'mehmet.yilmaz@northwind.example' (ASCII local part)."""
    name = f"{first_name}.{last_name}".lower().replace("ı", "i").replace(" ", "-")
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return f"{ascii_name}@{DEMO_DOMAIN}"


# --- Campaigns and posts ------------------------------------------------------------------

TOPICS = ["Product", "Engineering", "Hiring", "Customers", "Events", "Culture", "Security", "Accessibility"]

EMPLOYEE_DISCLAIMER = f"#employee · I work at {COMPANY}."
AD_DISCLAIMER = "#ad"

LINKEDIN_CLOSINGS = [
    "Have a look, and tell me what you think.",
    "Proud of the people who made this happen.",
    "Worth five minutes of your time.",
    "Share it with someone who should see it.",
]


@dataclass(frozen=True)
class PostSpec:
    title: str
    path: str  # under SITE
    headline: str  # one sentence: the X and Bluesky copy
    detail: str  # two or three sentences more for LinkedIn, Mastodon and the generic copy
    state: str  # draft, submitted, rejected, approved, upcoming, published (archived follows the campaign)
    topics: tuple[str, ...] = ()
    featured: bool = False
    disclaimer: str = ""
    image: bool = True  # images cost ~0.2 s each (six renditions), so not every post has one


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
    palette: tuple[tuple[int, int, int], tuple[int, int, int]] = ((31, 94, 255), (18, 32, 47))
    colour: str = "blue"  # the palette in words, for the images' alt text
    posts: tuple[PostSpec, ...] = ()


CAMPAIGNS = [
    CampaignSpec(
        utm_campaign="atlas-3-launch",
        name="Atlas 3.0 launch",
        narrative=(
            "Atlas 3.0 is the biggest release in our history: live dashboards, offline sync and an editor "
            "that is four times faster. Tell your network what changed for the teams who use it every day, "
            "in your own words."
        ),
        goal_metric=GoalMetric.CLICKS,
        goal_target=5000,
        starts_in_days=-6,
        ends_in_days=45,
        hashtags="#Atlas3 #ProductLaunch",
        launched=True,
        palette=((31, 94, 255), (12, 24, 64)),
        posts=(
            PostSpec(
                "Atlas 3.0 is here",
                "/blog/atlas-3",
                "Atlas 3.0 is out today: live dashboards, offline sync and a faster editor, shaped by two years "
                "of customer feedback.",
                "We rebuilt the sync engine from the ground up, so field teams keep working without a connection "
                "and nothing is lost when they are back online.",
                "published",
                ("Product",),
                featured=True,
            ),
            PostSpec(
                "Offline sync, explained",
                "/engineering/offline-sync",
                "How does Atlas keep working on a train with no signal? Our engineers explain the new offline "
                "sync engine.",
                "Conflict-free data types, a local-first cache and a lot of testing on real trains. The write-up "
                "covers the design choices and what we would do differently.",
                "published",
                ("Engineering", "Product"),
            ),
            PostSpec(
                "Live dashboards in 90 seconds",
                "/videos/live-dashboards",
                "Watch Atlas 3.0 build a live operations dashboard in 90 seconds, from an empty page to "
                "real-time numbers.",
                "No SQL and no exports: connect a data source, pick the numbers that matter and share the link "
                "with your team.",
                "approved",
                ("Product",),
            ),
            PostSpec(
                "What 400 beta teams told us",
                "/blog/atlas-3-beta",
                "More than 400 teams tried Atlas 3.0 in beta. Here is what they told us, and what we changed "
                "because of it.",
                "The biggest change came from a logistics customer who asked for dashboards that work on a "
                "warehouse floor. That request became the new kiosk mode.",
                "published",
                ("Customers", "Product"),
                disclaimer=EMPLOYEE_DISCLAIMER,
            ),
            PostSpec(
                "Atlas 3.0 for finance teams",
                "/solutions/finance",
                "Month-end close with fewer spreadsheets: how finance teams use the new Atlas 3.0 dashboards.",
                "Reconciliations update as the ledger changes, and the audit trail shows who changed which "
                "number and when.",
                "published",
                ("Product", "Customers"),
            ),
            PostSpec(
                "Accessibility in Atlas 3.0",
                "/accessibility",
                "Atlas 3.0 meets WCAG 2.2 AA: keyboard navigation, screen reader labels and high-contrast "
                "themes across the whole app.",
                "We tested every screen with people who use assistive technology daily, and fixed 212 issues "
                "before launch.",
                "published",
                ("Accessibility", "Product"),
            ),
            PostSpec(
                "Launch webinar on Thursday",
                "/events/atlas-3-webinar",
                "Join the Atlas 3.0 launch webinar on Thursday: a live tour of the release and an open Q&A with "
                "the product team.",
                "Bring your questions about migration, pricing and the roadmap. The recording goes to everyone "
                "who signs up.",
                "approved",
                ("Events", "Product"),
                featured=True,
            ),
            PostSpec(
                "An editor four times faster",
                "/engineering/faster-editor",
                "The Atlas editor now opens large projects four times faster. Here is how the team found the time.",
                "Profiling showed most of the wait was layout work nobody needed. Lazy rendering and a smarter "
                "cache did the rest.",
                "published",
                ("Engineering",),
            ),
            PostSpec(
                "Independent security review",
                "/security/atlas-3-review",
                "Atlas 3.0 passed an independent security review before launch. Read the summary of the "
                "findings and how we fixed them.",
                "We publish the summary because trust is earned in the open. No critical findings; two medium "
                "ones were fixed before release.",
                "published",
                ("Security",),
                disclaimer=EMPLOYEE_DISCLAIMER,
            ),
            PostSpec(
                "Atlas 3.0 auf Deutsch",
                "/de/blog/atlas-3",
                "Atlas 3.0 ist da: Live-Dashboards, Offline-Sync und ein Editor, der viermal schneller startet.",
                "Entwickelt in Berlin, London und New York, mit dem Feedback von mehr als 400 Teams aus der Beta.",
                "approved",
                ("Product",),
                image=False,
            ),
            PostSpec(
                "Migrating from Atlas 2",
                "/docs/migrate-to-3",
                "Moving from Atlas 2 to Atlas 3 takes about an hour for most teams. The migration guide walks "
                "through every step.",
                "Your dashboards, permissions and history come along. Customer Success is on hand for anyone "
                "who wants a guided migration.",
                "published",
                ("Product", "Customers"),
                image=False,
            ),
            PostSpec(
                "Behind the launch",
                "/blog/behind-atlas-3",
                "Behind the scenes of the Atlas 3.0 launch: 14 teams, three offices and one very long whiteboard.",
                "A look at how we planned a release across three time zones without a single all-nighter.",
                "published",
                ("Culture",),
            ),
            PostSpec(
                "Atlas 3.0 pricing",
                "/pricing",
                "Atlas 3.0 keeps the same price for existing customers, and the new Starter plan is free for "
                "teams of up to five.",
                "No feature of 3.0 is held back for a higher tier: offline sync and live dashboards come with "
                "every plan.",
                "upcoming",
                ("Product",),
                image=False,
            ),
            PostSpec(
                "What comes after 3.0",
                "/blog/roadmap-2027",
                "What comes after Atlas 3.0? Our product lead shares the roadmap for the next six months.",
                "Integrations, a public API for dashboards and a lot of small things customers asked for.",
                "submitted",
                ("Product",),
                image=False,
            ),
        ),
    ),
    CampaignSpec(
        utm_campaign="engineering-hiring-2026",
        name="We're hiring engineers",
        narrative=(
            "We are growing the engineering team in Berlin, London and New York. Tell the engineers you know "
            "what it is really like to build Atlas here: the problems, the people and how we work."
        ),
        goal_metric=GoalMetric.SHARES,
        goal_target=300,
        starts_in_days=-14,
        ends_in_days=60,
        hashtags="#Hiring #EngineeringJobs",
        launched=True,
        audience_teams=("Engineering", "People"),
        palette=((19, 122, 61), (10, 40, 30)),
        colour="green",
        posts=(
            PostSpec(
                "Senior backend engineers in Berlin",
                "/careers/senior-backend-berlin",
                "We are hiring senior backend engineers in Berlin: Python, PostgreSQL and distributed systems, "
                "on a team that ships every day.",
                "You would work on the sync engine behind Atlas 3.0. Hybrid, with a relocation budget and "
                "German classes if you want them.",
                "published",
                ("Hiring", "Engineering"),
                featured=True,
            ),
            PostSpec(
                "Frontend engineers in London",
                "/careers/frontend-london",
                "Our London team is looking for frontend engineers who care about fast, accessible interfaces.",
                "TypeScript, a design system we maintain together, and real users in the room when we test.",
                "published",
                ("Hiring", "Engineering"),
            ),
            PostSpec(
                "Site reliability in New York",
                "/careers/sre-new-york",
                "Join our site reliability team in New York and help keep Atlas fast for customers on five continents.",
                "On-call is shared fairly, paid, and followed by a quiet day. Postmortems are blameless and "
                "public inside the company.",
                "published",
                ("Hiring", "Engineering"),
                image=False,
            ),
            PostSpec(
                "Our interview process",
                "/careers/how-we-interview",
                "No whiteboard puzzles: our engineering interview is a paid take-home and a conversation about it.",
                "We publish every step, how long each takes and what we look for, so nobody walks in guessing.",
                "published",
                ("Hiring", "Culture"),
            ),
            PostSpec(
                "How we work",
                "/engineering/how-we-work",
                "Small teams, written proposals and a four-day focus week: how engineering works at Northwind.",
                "Meetings live on Mondays; the rest of the week belongs to the work. The handbook is public.",
                "approved",
                ("Culture", "Engineering"),
            ),
            PostSpec(
                "Graduate programme 2027",
                "/careers/graduates",
                "Applications for our 2027 engineering graduate programme are open: two years, three teams, one "
                "mentor all the way.",
                "Graduates ship to production in their first month. Apply by the end of January.",
                "published",
                ("Hiring",),
                disclaimer=EMPLOYEE_DISCLAIMER,
            ),
            PostSpec(
                "Referral bonus for engineers",
                "/careers/referrals",
                "Know a great engineer? Our referral programme now covers every engineering role.",
                "Referral bonuses are paid when your referral passes probation.",
                "submitted",
                ("Hiring",),
                image=False,
            ),
        ),
    ),
    CampaignSpec(
        utm_campaign="customer-stories-autumn-2026",
        name="Customer stories: autumn 2026",
        narrative=(
            "Our customers tell the Atlas story better than we do. Share how real teams use it, and what "
            "changed for them."
        ),
        goal_metric=GoalMetric.ENGAGEMENT,
        goal_target=2000,
        starts_in_days=-75,
        ends_in_days=-5,
        hashtags="#CustomerStories",
        launched=True,
        palette=((161, 92, 0), (60, 20, 10)),
        colour="amber",
        posts=(
            PostSpec(
                "Harbour Logistics plans 40% faster",
                "/customers/harbour-logistics",
                "Harbour Logistics cut weekly planning time by 40% after moving its depots onto Atlas.",
                "Dispatchers now see every truck and every dock on one live board, even when the Wi-Fi in the "
                "yard drops out.",
                "published",
                ("Customers",),
                featured=True,
            ),
            PostSpec(
                "City of Lindau goes paperless",
                "/customers/lindau",
                "The City of Lindau replaced 30 paper forms with Atlas and now answers residents in days, not weeks.",
                "The team started with building permits and moved on to parking and events once it worked.",
                "published",
                ("Customers",),
                image=False,
            ),
            PostSpec(
                "GreenGrid's field teams",
                "/customers/greengrid",
                "GreenGrid's field engineers inspect 2,000 solar sites a year with Atlas on their phones.",
                "Inspections sync when the van is back in range, and the reports write themselves.",
                "published",
                ("Customers",),
            ),
            PostSpec(
                "Meridian Health case study",
                "/customers/meridian-health",
                "How Meridian Health gave 12 clinics one view of their waiting lists, without moving a single "
                "patient record.",
                "Atlas reads from the clinics' own systems; nothing sensitive leaves them.",
                "published",
                ("Customers", "Security"),
                disclaimer=AD_DISCLAIMER,
            ),
            PostSpec(
                "Customer stories podcast",
                "/podcast/customer-stories",
                "New podcast episode: three operations leads on what they would tell their past selves about "
                "dashboards.",
                "Forty minutes, no sales pitch, a lot of lessons learned the hard way.",
                "published",
                ("Customers", "Events"),
                image=False,
            ),
            PostSpec(
                "A day at Harbour Logistics",
                "/videos/harbour-logistics",
                "Video: a day with the dispatch team at Harbour Logistics, from the 5 a.m. shift to the last "
                "truck out.",
                "Filmed on site in Hamburg, with the people who use Atlas every day.",
                "published",
                ("Customers",),
                image=False,
            ),
        ),
    ),
    CampaignSpec(
        utm_campaign="northwind-summit-2027",
        name="Northwind Summit 2027",
        narrative=(
            "Our first user conference: two days in Berlin with customers, partners and the people who build "
            "Atlas. Help us fill the room with the right people."
        ),
        goal_metric=GoalMetric.CLICKS,
        goal_target=3000,
        starts_in_days=12,
        ends_in_days=50,
        hashtags="#NorthwindSummit",
        launched=True,
        palette=((120, 40, 200), (30, 10, 60)),
        colour="purple",
        posts=(
            PostSpec(
                "Save the date",
                "/summit",
                "Save the date: Northwind Summit 2027, two days in Berlin with the people who build and use Atlas.",
                "Talks, hands-on workshops and plenty of time to meet other teams solving the same problems.",
                "approved",
                ("Events",),
                featured=True,
            ),
            PostSpec(
                "Call for speakers",
                "/summit/speakers",
                "The Northwind Summit call for speakers is open. Tell us how your team uses Atlas.",
                "Twenty-minute talks and lightning talks; first-time speakers get a coach.",
                "approved",
                ("Events",),
                image=False,
            ),
            PostSpec(
                "Early-bird tickets",
                "/summit/tickets",
                "Early-bird tickets for Northwind Summit 2027 are on sale until the end of the month.",
                "Customers get two free tickets per account; students and non-profits attend for free.",
                "approved",
                ("Events",),
                disclaimer=AD_DISCLAIMER,
                image=False,
            ),
            PostSpec(
                "The summit agenda",
                "/summit/agenda",
                "The Northwind Summit agenda is live: 30 talks, 8 workshops and a keynote on the future of "
                "operations software.",
                "Every talk is recorded and subtitled in English and German.",
                "approved",
                ("Events",),
            ),
            PostSpec(
                "Workshops at the summit",
                "/summit/workshops",
                "Hands-on workshops at the Northwind Summit: build a live dashboard with the team that designed it.",
                "Places are limited to 20 per workshop so everyone gets help.",
                "approved",
                ("Events", "Product"),
                image=False,
            ),
        ),
    ),
    CampaignSpec(
        utm_campaign="partner-programme-2027",
        name="Partner programme",
        narrative=(
            "We are opening a partner programme for consultancies and integrators. Help us find the partners "
            "our customers already trust."
        ),
        goal_metric=GoalMetric.CLICKS,
        goal_target=1500,
        starts_in_days=30,
        ends_in_days=90,
        hashtags="#Partners",
        launched=False,
        palette=((0, 120, 140), (5, 35, 45)),
        colour="teal",
        posts=(
            PostSpec(
                "Partner programme launch",
                "/partners",
                "We are launching the Northwind partner programme for consultancies and integrators.",
                "Training, a sandbox and a shared pipeline for partners who implement Atlas for their clients.",
                "draft",
                ("Product",),
            ),
            PostSpec(
                "Become a partner",
                "/partners/apply",
                "Implementing Atlas for your clients? Apply to become a Northwind partner.",
                "Certified partners are listed in our directory and get early access to new releases.",
                "draft",
                ("Product",),
                image=False,
            ),
            PostSpec(
                "The partner directory",
                "/partners/directory",
                "Find a certified Atlas partner near you in the new partner directory.",
                "Search by country, industry and language.",
                "submitted",
                ("Customers",),
                image=False,
            ),
            PostSpec(
                "Partner success stories",
                "/partners/stories",
                "How our first partners delivered Atlas projects in half the usual time.",
                "Three partners, three industries, one playbook.",
                "rejected",
                ("Customers",),
                image=False,
            ),
        ),
    ),
    CampaignSpec(
        utm_campaign="summer-hackathon-2026",
        name="Summer hackathon 2026",
        narrative="Forty-eight hours, sixty people, twenty-two projects. Show what we built when we had the time.",
        goal_metric=GoalMetric.SHARES,
        goal_target=150,
        starts_in_days=-150,
        ends_in_days=-120,
        hashtags="#Hackathon",
        launched=True,
        archived=True,
        palette=((179, 38, 30), (50, 10, 10)),
        colour="red",
        posts=(
            PostSpec(
                "And the winners are",
                "/blog/hackathon-winners",
                "The winners of our summer hackathon built a voice interface for Atlas in 48 hours.",
                "Second place went to a dashboard for the office plants. We are not joking.",
                "published",
                ("Culture",),
            ),
            PostSpec(
                "48 hours of building",
                "/blog/hackathon-recap",
                "48 hours, 60 people and 22 projects: a look back at our summer hackathon.",
                "Photos, demos and the pizza count are in the recap.",
                "published",
                ("Culture",),
                image=False,
            ),
            PostSpec(
                "Hackathon projects that shipped",
                "/blog/hackathon-shipped",
                "Three projects from our summer hackathon are now part of Atlas. Here is how they got there.",
                "Including kiosk mode, which started as a joke about warehouse screens.",
                "published",
                ("Culture", "Product"),
                image=False,
            ),
            PostSpec(
                "Thank you, volunteers",
                "/blog/hackathon-thanks",
                "Thank you to the volunteers who ran our summer hackathon and kept everyone fed.",
                "Next year we will need more coffee.",
                "published",
                ("Culture",),
                image=False,
            ),
        ),
    ),
]

SEEDED_KINDS = ("teams", "locations", "people", "topics", "campaigns", "posts", "shares", "clicks")
REJECTION_REASON = "Please check with the partners named before this goes out, and link their own posts."


# --- Results -----------------------------------------------------------------------------


@dataclass
class SeedResult:
    """What one run created (zero everywhere on a second run) and the logins to print."""

    created: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SEEDED_KINDS, 0))
    logins: list[tuple[str, str]] = field(default_factory=list)  # (what, email)

    def add(self, what: str, n: int = 1) -> None:
        self.created[what] = self.created.get(what, 0) + n

    @property
    def total_created(self) -> int:
        return sum(self.created.values())


def _noop_progress(label: str, done: int, total: int) -> None:
    return None


# --- Seeding ---------------------------------------------------------------------------


def seed_demo(
    *, progress: ProgressCallback | None = None, now: dt.datetime | None = None, activity: bool = True
) -> SeedResult:
    """Create the demo organisation, campaigns and posts; idempotent.

    With `activity`, employees have also shared through share dialogs and earned clicks (so the
    leaderboards and "my points" have something to show). Dates are relative to `now` at the
    first run; later runs leave them alone. Raises
    ValidationError if a piece of demo copy no longer fits a network's rules (a bug in the data).
    """
    progress = progress or _noop_progress
    now = now or timezone.now()
    result = SeedResult()
    sync_roles()
    teams, locations = organisation_seed(result=result)
    people_seed(teams=teams, locations=locations, result=result, progress=progress)
    topics = topics_seed(result=result)
    staff = [User.objects.get(email=demo_email(p.first_name, p.last_name)) for p in PEOPLE if p.role != EMPLOYEE]
    campaigns = campaigns_seed(staff=staff, teams=teams, now=now, result=result, progress=progress)
    posts_seed(campaigns=campaigns, topics=topics, staff=staff, now=now, result=result, progress=progress)
    if activity:
        activity_seed(now=now, result=result, progress=progress)
    result.logins = demo_logins()
    return result


def organisation_seed(*, result: SeedResult) -> tuple[dict[str, Team], dict[str, Location]]:
    teams = {}
    for name in TEAMS:
        teams[name], created = Team.objects.get_or_create(name=name)
        result.add("teams", int(created))
    locations = {}
    for name, time_zone in LOCATIONS.items():
        locations[name], created = Location.objects.get_or_create(name=name, defaults={"time_zone": time_zone})
        result.add("locations", int(created))
    return teams, locations


def people_plan() -> list[dict]:
    """Every demo person as the keyword arguments of employee_create (without team/location objects)."""
    plan = []
    title_counters = dict.fromkeys(TEAMS, 0)
    cycle_position = 0
    for index, spec in enumerate(PEOPLE):
        if spec.team:
            team = spec.team
        else:
            team = TEAM_CYCLE[cycle_position % len(TEAM_CYCLE)]
            cycle_position += 1
        titles = TEAM_TITLES[team]
        job_title = spec.job_title or titles[title_counters[team] % len(titles)]
        title_counters[team] += 1
        plan.append(
            {
                "email": demo_email(spec.first_name, spec.last_name),
                "first_name": spec.first_name,
                "last_name": spec.last_name,
                "role": spec.role,
                "team": team,
                "location": spec.location,
                "job_title": job_title,
                "language": spec.language,
                "time_zone": LOCATIONS[spec.location],
                "digest_opt_in": index % 7 != 6,
                "digest_hour": DIGEST_HOURS[index % len(DIGEST_HOURS)],
                "leaderboard_opt_out": index % 13 == 12,
            }
        )
    return plan


def people_seed(
    *, teams: dict[str, Team], locations: dict[str, Location], result: SeedResult, progress: ProgressCallback
) -> None:
    plan = people_plan()
    existing = set(User.objects.filter(email__in=[p["email"] for p in plan]).values_list("email", flat=True))
    # Hashing the password once, not sixty times, keeps the seed at seconds instead of half a minute.
    # Demo accounts share one password anyway, so sharing its salt costs nothing.
    password_hash = make_password(DEMO_PASSWORD) if len(existing) < len(plan) else ""
    created = 0
    for done, person in enumerate(plan, start=1):
        if person["email"] not in existing:
            with transaction.atomic():
                user = employee_create(
                    **{**person, "team": teams[person["team"]], "location": locations[person["location"]]},
                    password=None,
                )
                User.objects.filter(pk=user.pk).update(password=password_hash)
            created += 1
        progress("People", done, len(plan))
    verified_emails_seed(emails=[p["email"] for p in plan])
    result.add("people", created)


def verified_emails_seed(*, emails: list[str]) -> None:
    """Mark the demo addresses verified in allauth, so logging in asks for no confirmation. Idempotent."""
    have = set(EmailAddress.objects.filter(email__in=emails).values_list("email", flat=True))
    EmailAddress.objects.bulk_create(
        EmailAddress(user_id=pk, email=email, verified=True, primary=True)
        for pk, email in User.objects.filter(email__in=emails).values_list("pk", "email")
        if email not in have
    )


def topics_seed(*, result: SeedResult) -> dict[str, Topic]:
    topics = {}
    for name in TOPICS:
        topics[name], created = Topic.objects.get_or_create(name=name)
        result.add("topics", int(created))
    return topics


def campaigns_seed(
    *, staff: list[User], teams: dict[str, Team], now: dt.datetime, result: SeedResult, progress: ProgressCallback
) -> dict[str, Campaign]:
    """The campaigns, owned in turn by the admin and the content managers (staff)."""
    campaigns = {}
    for done, spec in enumerate(CAMPAIGNS, start=1):
        campaign = Campaign.objects.filter(utm_campaign=spec.utm_campaign).first()
        if campaign is None:
            with transaction.atomic():
                campaign = Campaign(
                    name=spec.name,
                    narrative=spec.narrative,
                    goal_metric=spec.goal_metric,
                    goal_target=spec.goal_target,
                    starts_at=_day_start(now, spec.starts_in_days),
                    ends_at=_day_start(now, spec.ends_in_days),
                    hashtags=spec.hashtags,
                    utm_campaign=spec.utm_campaign,
                    owner=staff[done % len(staff)],
                )
                campaign.full_clean()
                campaign.save()
                campaign.audience_teams.set([teams[name] for name in spec.audience_teams])
                if spec.launched:
                    campaign_launch(campaign=campaign)
            result.add("campaigns")
        campaigns[spec.utm_campaign] = campaign
        progress("Campaigns", done, len(CAMPAIGNS))
    return campaigns


def _day_start(now: dt.datetime, days: int) -> dt.datetime:
    """Midnight UTC `days` from now, so demo dates read like real campaign dates."""
    day = (now + dt.timedelta(days=days)).date()
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def posts_seed(
    *,
    campaigns: dict[str, Campaign],
    topics: dict[str, Topic],
    staff: list[User],
    now: dt.datetime,
    result: SeedResult,
    progress: ProgressCallback,
) -> None:
    """The posts: written by one content manager, reviewed by the other; the admin archives."""
    admin, *managers = staff
    total = sum(len(spec.posts) for spec in CAMPAIGNS)
    done = 0
    for spec in CAMPAIGNS:
        campaign = campaigns[spec.utm_campaign]
        for index, post_spec in enumerate(spec.posts):
            author, reviewer = managers[index % 2], managers[(index + 1) % 2]
            created = post_seed(
                campaign=campaign,
                spec=spec,
                post_spec=post_spec,
                index=index,
                topics=topics,
                author=author,
                reviewer=reviewer,
                now=now,
            )
            result.add("posts", int(created))
            done += 1
            progress("Posts", done, total)
        # After the posts, so that they are archived with recorded transitions.
        if spec.archived and campaign.archived_at is None:
            campaign_archive(campaign=campaign, by=admin)


@transaction.atomic
def post_seed(
    *,
    campaign: Campaign,
    spec: CampaignSpec,
    post_spec: PostSpec,
    index: int,
    topics: dict[str, Topic],
    author: User,
    reviewer: User,
    now: dt.datetime,
) -> bool:
    """Create one post with its copy, image and workflow history; False if it already exists."""
    if SuggestedPost.objects.filter(campaign=campaign, title=post_spec.title).exists():
        return False
    publish_at, expires_at = _post_times(campaign=campaign, post_spec=post_spec, index=index, now=now)
    post = SuggestedPost(
        campaign=campaign,
        title=post_spec.title,
        target_url=f"{SITE}{post_spec.path}",  # the short link adds the UTM tags
        image_alt=f"“{post_spec.title}” in white on a {spec.colour} gradient" if post_spec.image else "",
        publish_at=publish_at,
        expires_at=expires_at,
        employees_may_edit=index % 3 != 2,
        disclaimer=post_spec.disclaimer,
        is_featured=post_spec.featured,
        created_by=author,
    )
    post.full_clean()
    post.save()
    post.topics.set([topics[name] for name in post_spec.topics])
    for network, candidates in variant_candidates(post_spec=post_spec, hashtags=spec.hashtags, index=index).items():
        variant_fitted(post=post, network=network, candidates=candidates).save()
    if post_spec.image:
        image = post_image(title=post_spec.title, campaign=spec.name, palette=spec.palette)
        post_image_set(post=post, upload=ContentFile(image, name=f"{spec.utm_campaign}-{index + 1}.jpg"))
    for step in _workflow(post_spec.state):
        reason = REJECTION_REASON if step == PostStatus.REJECTED else ""
        post_transition(post=post, to=step, by=author if step == PostStatus.SUBMITTED else reviewer, reason=reason)
    return True


def _post_times(
    *, campaign: Campaign, post_spec: PostSpec, index: int, now: dt.datetime
) -> tuple[dt.datetime, dt.datetime | None]:
    """Posts of a running campaign went out over its past days; others follow its start."""
    if post_spec.state == "upcoming":
        publish_at = now + dt.timedelta(days=2)
    elif campaign.starts_at <= now:
        latest = min(now, campaign.ends_at) - dt.timedelta(hours=1)
        publish_at = max(campaign.starts_at, latest - dt.timedelta(hours=9 * index))
    else:
        publish_at = campaign.starts_at + dt.timedelta(hours=9 + 24 * index)
    expires_at = campaign.ends_at if campaign.ends_at > publish_at else None
    return publish_at, expires_at


def _workflow(state: str) -> list[str]:
    steps = {
        "draft": [],
        "submitted": [PostStatus.SUBMITTED],
        "rejected": [PostStatus.SUBMITTED, PostStatus.REJECTED],
        "approved": [PostStatus.SUBMITTED, PostStatus.APPROVED],
        "upcoming": [PostStatus.SUBMITTED, PostStatus.APPROVED],
        "published": [PostStatus.SUBMITTED, PostStatus.APPROVED, PostStatus.PUBLISHED],
    }
    return steps[state]


def variant_candidates(*, post_spec: PostSpec, hashtags: str, index: int) -> dict[str, list[str]]:
    """Copy per network, longest first: the first candidate that fits the network is used."""
    headline, detail = post_spec.headline, post_spec.detail
    closing = LINKEDIN_CLOSINGS[index % len(LINKEDIN_CLOSINGS)]
    first_tag = hashtags.split()[0] if hashtags else ""
    return {
        Network.LINKEDIN: [f"{headline}\n\n{detail}\n\n{closing}\n\n{hashtags}".strip()],
        Network.X: [f"{headline} {hashtags}".strip(), f"{headline} {first_tag}".strip(), headline],
        Network.MASTODON: [f"{headline}\n\n{detail}\n\n{hashtags}".strip(), f"{headline}\n\n{hashtags}", headline],
        Network.BLUESKY: [f"{headline}\n\n{hashtags}".strip(), headline],
        Network.GENERIC: [f"{headline} {detail}"],
    }


def variant_fitted(*, post: SuggestedPost, network: str, candidates: list[str]) -> PostVariant:
    """The first candidate copy that passes the network's rules (with disclaimer and short link)."""
    error: ValidationError | None = None
    for text in candidates:
        variant = PostVariant(post=post, network=network, text=text)
        try:
            variant.full_clean()
        except ValidationError as exc:
            error = exc
            continue
        return variant
    assert error is not None
    raise error


# --- Images ------------------------------------------------------------------------------

IMAGE_SIZE = (1200, 630)


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError):  # Pillow without FreeType: the small bitmap font still works
        return ImageFont.load_default()


def _wrap(draw: ImageDraw.ImageDraw, text: str, font, width: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        candidate = f"{lines[-1]} {word}" if lines else word
        if lines and draw.textlength(candidate, font=font) <= width:
            lines[-1] = candidate
        else:
            lines.append(word)
    return lines


def post_image(*, title: str, campaign: str, palette: tuple[tuple[int, int, int], tuple[int, int, int]]) -> bytes:
    """A 1200×630 JPEG card: a gradient, a few soft shapes, the title and the campaign name."""
    width, height = IMAGE_SIZE
    top, bottom = palette
    # Blend two flat colours through Pillow's built-in ramp: no per-pixel Python loop.
    ramp = Image.linear_gradient("L").resize((width, height))
    image = Image.composite(Image.new("RGB", IMAGE_SIZE, bottom), Image.new("RGB", IMAGE_SIZE, top), ramp)
    shapes = Image.new("RGBA", IMAGE_SIZE, (0, 0, 0, 0))
    draw = ImageDraw.Draw(shapes)
    rng = random.Random(zlib.crc32(title.encode()))  # the same title always draws the same picture
    for _ in range(6):
        x, y, r = rng.randint(0, width), rng.randint(0, height), rng.randint(60, 260)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=(255, 255, 255, rng.randint(14, 40)))
    draw.rectangle((0, height - 14, width, height), fill=(255, 255, 255, 90))
    image = Image.alpha_composite(image.convert("RGBA"), shapes).convert("RGB")
    draw = ImageDraw.Draw(image)
    title_font, small_font = _font(68), _font(30)
    lines = _wrap(draw, title, title_font, width - 160)[:3]
    y = height // 2 - (len(lines) * 82) // 2
    for line in lines:
        draw.text((80, y), line, font=title_font, fill=(255, 255, 255))
        y += 82
    draw.text((80, 70), campaign.upper(), font=small_font, fill=(255, 255, 255, 200))
    draw.text((80, height - 80), COMPANY, font=small_font, fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88)
    return out.getvalue()


# --- Logins ------------------------------------------------------------------------------


def demo_logins() -> list[tuple[str, str]]:
    """(who, email) for the command's closing message: an admin, a content manager, two employees."""
    staff = [p for p in PEOPLE if p.role != EMPLOYEE]
    admin = next(p for p in staff if p.role == ADVOCACY_ADMIN)
    manager = next(p for p in staff if p.role == CONTENT_MANAGER)
    plan = {p["email"]: p for p in people_plan()}
    employees = [p for p in PEOPLE if p.role == EMPLOYEE][:2]
    logins = [
        (f"Advocacy admin ({admin.location})", demo_email(admin.first_name, admin.last_name)),
        (f"Content manager ({manager.location})", demo_email(manager.first_name, manager.last_name)),
    ]
    for person in employees:
        email = demo_email(person.first_name, person.last_name)
        logins.append((f"Employee, {plan[email]['team']} ({person.location})", email))
    return logins


def demo_counts() -> dict[str, int]:
    """How many of each thing a complete demo holds (for tests and the docs)."""
    return {
        "people": len(PEOPLE),
        "teams": len(TEAMS),
        "locations": len(LOCATIONS),
        "topics": len(TOPICS),
        "campaigns": len(CAMPAIGNS),
        "posts": sum(len(c.posts) for c in CAMPAIGNS),
    }


def site_hint() -> str:
    return f"{settings.SITE_URL}/"


# --- Activity: shares through share dialogs and the clicks they earned --------------------------

DEMO_SHARE_NETWORKS = (Network.LINKEDIN, Network.X, Network.MASTODON, Network.BLUESKY)
DEMO_REFERRERS = {
    Network.LINKEDIN: "https://www.linkedin.com/",
    Network.X: "https://t.co/",
    Network.MASTODON: "https://mastodon.social/",
    Network.BLUESKY: "https://bsky.app/",
}
DEMO_BROWSERS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 15; Pixel 9) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
)
# Some traffic that must not count: a preview fetcher and a crawler.
DEMO_NON_HUMANS = (
    "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
)


def activity_seed(*, now: dt.datetime, result: SeedResult, progress: ProgressCallback) -> None:
    """Share-dialog shares and their clicks for most employees, then points and leaderboards.

    Runs once: a database that already holds demo clicks is left alone (a later run would draw
    other people and posts after a deletion). Clicks carry fixed event ids and awarding is
    idempotent, so an interrupted first run completes without duplicates.
    """
    from analytics.models import Click
    from analytics.services import clicks_ingest
    from leaderboard.services.awards import points_sync_clicks
    from leaderboard.services.rebuild import leaderboards_rebuild
    from networks.models import Share
    from shortlinks.buffer import RawClick
    from shortlinks.services import link_get_or_create

    if Click.objects.filter(event_id__startswith="demo-").exists():
        return
    posts = list(
        SuggestedPost.objects.current(now).select_related("campaign").prefetch_related("variants").order_by("pk")
    )
    people = list(User.objects.filter(is_active=True).order_by("pk"))
    if not posts or not people:
        return
    rng = random.Random(2026)
    events: list = []
    for done, person in enumerate(people, start=1):
        progress("Activity", done, len(people))
        if rng.random() < 0.3:  # not everyone shares
            continue
        for post in rng.sample(posts, k=min(len(posts), rng.randint(1, 4))):
            network = rng.choice(DEMO_SHARE_NETWORKS)
            link = link_get_or_create(user=person, post=post, network=network)
            variant = post.variant_for(network)
            _, created = Share.objects.get_or_create(
                user=person,
                post=post,
                network=network,
                route=Share.Route.INTENT,
                defaults={
                    "short_link": link,
                    "status": Share.Status.OPENED,
                    "text": variant.share_text(link.short_url) if variant else link.short_url,
                },
            )
            result.add("shares", int(created))
            hours_live = max(1, int((now - max(post.publish_at, now - dt.timedelta(days=14))).total_seconds() // 3600))
            for n in range(int(rng.paretovariate(1.4) * 2)):
                agent = rng.choice(DEMO_NON_HUMANS) if rng.random() < 0.1 else rng.choice(DEMO_BROWSERS)
                at = now - dt.timedelta(hours=rng.randint(0, hours_live), minutes=rng.randint(0, 59))
                events.append(
                    RawClick(
                        event_id=f"demo-{link.pk}-{n}",
                        link_id=link.pk,
                        at_ms=int(at.timestamp() * 1000),
                        ip=f"198.51.100.{rng.randint(1, 254)}",  # documentation range; never stored
                        user_agent=agent,
                        referer=DEMO_REFERRERS[network],
                    )
                )
    for start in range(0, len(events), 500):
        ingested = clicks_ingest(events=events[start : start + 500])
        result.add("clicks", ingested.clicks)
    points_sync_clicks(since=now - dt.timedelta(days=30))
    leaderboards_rebuild(now=now)
