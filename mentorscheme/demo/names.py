"""Word lists for realistic, deterministic demo data."""

FIRST_NAMES = [
    "Aisha",
    "Alex",
    "Alice",
    "Amara",
    "Amy",
    "Andrew",
    "Anna",
    "Ben",
    "Bethan",
    "Cara",
    "Catherine",
    "Charlie",
    "Chloe",
    "Claire",
    "Connor",
    "Daniel",
    "David",
    "Eilidh",
    "Ella",
    "Emily",
    "Emma",
    "Erin",
    "Fatima",
    "Finlay",
    "Fiona",
    "Freya",
    "George",
    "Grace",
    "Hannah",
    "Harry",
    "Imran",
    "Isla",
    "Jack",
    "James",
    "Jasmine",
    "Joanna",
    "John",
    "Kate",
    "Katie",
    "Kieran",
    "Laura",
    "Leah",
    "Liam",
    "Lucy",
    "Mairead",
    "Mark",
    "Martha",
    "Matthew",
    "Megan",
    "Mohammed",
    "Naomi",
    "Niamh",
    "Nikhil",
    "Olivia",
    "Oliver",
    "Owen",
    "Paul",
    "Priya",
    "Rachel",
    "Rhys",
    "Rosa",
    "Ruth",
    "Sam",
    "Sarah",
    "Seren",
    "Sian",
    "Simon",
    "Sophie",
    "Tom",
    "Una",
    "Victoria",
    "Will",
    "Yusuf",
    "Zara",
]

LAST_NAMES = [
    "Ahmed",
    "Ali",
    "Allen",
    "Bailey",
    "Baker",
    "Begum",
    "Bell",
    "Bennett",
    "Brown",
    "Campbell",
    "Carter",
    "Chen",
    "Clarke",
    "Collins",
    "Cooper",
    "Davies",
    "Edwards",
    "Evans",
    "Fisher",
    "Fraser",
    "Gallagher",
    "Green",
    "Hall",
    "Harris",
    "Hughes",
    "Hussain",
    "Jackson",
    "James",
    "Jenkins",
    "Johnson",
    "Jones",
    "Kaur",
    "Kelly",
    "Khan",
    "King",
    "Lewis",
    "Lloyd",
    "MacDonald",
    "Martin",
    "Mitchell",
    "Moore",
    "Morgan",
    "Murphy",
    "Murray",
    "Nolan",
    "O'Brien",
    "Owen",
    "Patel",
    "Phillips",
    "Price",
    "Quinn",
    "Roberts",
    "Robertson",
    "Robinson",
    "Rose",
    "Scott",
    "Shah",
    "Singh",
    "Smith",
    "Stewart",
    "Taylor",
    "Thomas",
    "Thompson",
    "Turner",
    "Walker",
    "Walsh",
    "Ward",
    "Watson",
    "White",
    "Williams",
    "Wilson",
    "Wood",
    "Wright",
    "Young",
]

TOWNS = {
    "london": ["Camden", "Hackney", "Croydon", "Westminster", "Lambeth", "Barnet"],
    "south-east": ["Brighton", "Reading", "Oxford", "Canterbury", "Guildford"],
    "south-west": ["Bristol", "Exeter", "Plymouth", "Bath", "Truro"],
    "east": ["Cambridge", "Norwich", "Ipswich", "Colchester", "Peterborough"],
    "east-midlands": ["Nottingham", "Leicester", "Derby", "Lincoln", "Northampton"],
    "west-midlands": ["Birmingham", "Coventry", "Wolverhampton", "Stoke", "Worcester"],
    "midlands": ["Birmingham", "Nottingham", "Leicester", "Coventry", "Derby"],
    "yorkshire-humber": ["Leeds", "Sheffield", "York", "Hull", "Bradford"],
    "north-east": ["Newcastle", "Sunderland", "Durham", "Middlesbrough"],
    "north-west": ["Manchester", "Liverpool", "Preston", "Lancaster", "Chester"],
    "wales": ["Cardiff", "Swansea", "Aberystwyth", "Bangor", "Newport"],
    "scotland": ["Edinburgh", "Glasgow", "Aberdeen", "Dundee", "Stirling"],
    "ireland": ["Belfast", "Derry", "Lisburn", "Newry", "Armagh"],
}

# Organisation name patterns per organisation type.
ORGANISATION_PATTERNS = {
    "public": [
        "{town} Central Library",
        "{town} Libraries",
        "{town} Community Library",
    ],
    "academic": ["University of {town} Library", "{town} College Learning Centre"],
    "school": ["{town} Academy Library", "{town} High School Library"],
    "health": ["{town} NHS Trust Knowledge Service", "{town} Hospital Library"],
    "government": ["{town} Council Research Service", "Department Library, {town}"],
    "law": ["{town} Law Society Library", "Chambers Library, {town}"],
    "commercial": ["{town} Insights Ltd", "{town} Information Services plc"],
    "national": ["National Library Reading Rooms, {town}"],
    "museums-archives": ["{town} Museum and Archives", "{town} Record Office"],
    "charity": ["{town} Reading Trust", "{town} Community Foundation Library"],
    "self-employed": ["{town} Information Consultancy"],
}

JOB_TITLES = {
    "public": [
        "Library Assistant",
        "Librarian",
        "Library Manager",
        "Reader Development Officer",
    ],
    "academic": [
        "Subject Librarian",
        "Academic Liaison Librarian",
        "Library Director",
        "Research Support Librarian",
        "Learning Resources Assistant",
    ],
    "school": ["School Librarian", "Learning Resource Centre Manager"],
    "health": [
        "Clinical Librarian",
        "Knowledge Specialist",
        "Head of Knowledge Services",
    ],
    "government": ["Information Officer", "Research Librarian", "Knowledge Manager"],
    "law": ["Law Librarian", "Legal Information Officer"],
    "commercial": ["Information Specialist", "Knowledge Manager", "Research Analyst"],
    "national": ["Curator", "Collections Librarian", "Cataloguer"],
    "museums-archives": ["Archivist", "Records Manager", "Collections Officer"],
    "charity": ["Information Officer", "Library Coordinator"],
    "self-employed": ["Information Consultant", "Freelance Librarian"],
}

STATEMENTS = [
    "I have mentored colleagues informally for years and enjoy helping people see how "
    "their everyday work meets the assessment criteria.",
    "I remember how useful my own mentor was. I am happy to meet online and like to "
    "start with an informal chat about what you want from the process.",
    "My background spans public and academic libraries; I can help you reflect on the "
    "wider professional context beyond your own organisation.",
    "I support candidates to plan their portfolio early and to write evaluatively "
    "rather than descriptively.",
]


REQUEST_MESSAGES = [
    "Hello — I am working towards Chartership in a public library and would value "
    "a mentor from another sort of organisation. Could we have an informal chat?",
    "I have just enrolled and would like help planning my portfolio. I can meet "
    "by Zoom most weekday evenings.",
    "Your profile mentions evaluative writing, which is where I need most help. "
    "Would you consider mentoring me?",
    "I work in a small health library and would like a mentor who can help me see "
    "the wider professional context.",
]


AGREEMENT_GOALS = [
    "Plan the portfolio and map evidence to the three criteria; write the evaluative "
    "statement in drafts we discuss.",
    "Complete the self-assessment against the PKSB at the start, choose evidence from "
    "two recent projects, and build the wider professional context.",
    "Reflect on my move into a new role and show its organisational context; submit "
    "within about nine months.",
]

AGREEMENT_FREQUENCIES = [
    "About once a month, for an hour",
    "Every four to six weeks, with email between",
    "Monthly at first, then as the statement takes shape",
]

MEETING_NOTES = [
    "Talked through the criteria and what evidence might show each.",
    "Reviewed the first draft of the evaluative statement: more reflection, less "
    "description.",
    "Looked at the PKSB self-assessment and chose areas to develop.",
    "Discussed the wider professional context: a regional group and a conference talk.",
    "Went through the evidence list and its mapping; agreed what to cut.",
]

LETTER_OF_SUPPORT = (
    "I have mentored this candidate through their Fellowship portfolio. Their "
    "evidence shows sustained leadership and a contribution to the profession well "
    "beyond their own organisation, and I support their application."
)

END_REASONS = {
    "candidate": "We found our ways of working did not suit each other, and agreed I "
    "would look for another mentor.",
    "mentor": "My workload has changed and I can no longer give this the time it "
    "deserves. I am sorry, and wish you well with your portfolio.",
}
