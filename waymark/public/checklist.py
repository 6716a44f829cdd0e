"""The "preparing for treatment" checklist (issue #3: questions for admissions,
bills, childcare, pets, work leave and rights, what to bring). Practical,
non-clinical steps; ticks stay in the visitor's browser and are never sent."""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Section:
    id: str
    title: Promise
    items: tuple[Promise, ...]


CHECKLIST = (
    Section(
        "admissions",
        _("Questions to ask admissions"),
        (
            _(
                "What treatment do you offer: medication (methadone, buprenorphine or naltrexone), "
                "counselling, or both?"
            ),
            _("Do you take my insurance? If not, what will it cost, and is there a sliding fee scale?"),
            _("Is there a waiting list? When could I start?"),
            _("How long does treatment last, and what happens after it ends?"),
            _("Can family or friends visit or call?"),
            _("What should I bring, and what is not allowed?"),
        ),
    ),
    Section(
        "bills",
        _("Bills and money"),
        (
            _("List the bills due while you are away: rent, utilities, phone, loans."),
            _("Set up automatic payments, or ask someone you trust to pay them."),
            _("Ask for more time to pay if you need it."),
        ),
    ),
    Section(
        "children",
        _("Children"),
        (
            _("Arrange who will look after your children, and for how long."),
            _("Give whoever looks after them what they need: school and doctor contacts, medicines, routines."),
            _("Tell the school or childcare who will pick the children up."),
        ),
    ),
    Section(
        "pets",
        _("Pets"),
        (
            _("Arrange who will feed and care for your pets."),
            _("Leave food, any medicines and the vet's phone number."),
        ),
    ),
    Section(
        "work",
        _("Work"),
        (
            _("Tell your employer that you need time off for medical treatment."),
            _("Ask your employer or human resources about medical leave and your rights at work while in treatment."),
            _("Keep copies of any forms and letters about your leave."),
        ),
    ),
    Section(
        "bring",
        _("What to bring"),
        (
            _("Photo ID and your insurance card."),
            _("A list of the medicines you take and their doses."),
            _("Phone numbers of the people you may want to call, written on paper."),
            _("Comfortable clothes for several days, and toiletries."),
            _("Ask the program what else to bring and what is not allowed."),
        ),
    ),
)
