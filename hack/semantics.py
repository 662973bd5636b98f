#!/usr/bin/env python3
# Generates api/v1alpha1/semantics_types.go from the table below: Apple's
# SemanticTags (WalletPasses reference), one row per key. Run it after
# changing the table, then make generate manifests.
S=[ # (key, type, doc)
("additionalTicketAttributes","string","Additional ticket attributes that other tags or keys do not cover. Any event ticket."),
("admissionLevel","string","The admission level, such as General Admission or VIP. Event tickets."),
("admissionLevelAbbreviation","string","An abbreviation of the admission level, such as GA. Event tickets."),
("airlineCode","string","The IATA airline code, such as EX for flightCode EX123. Airline boarding passes."),

("albumIDs","[]string","Apple Music album IDs of the event's music. Event tickets."),
("artistIDs","[]string","Apple Music artist IDs of the event's performers. Event tickets."),
("attendeeName","string","The name of the person the ticket admits. Event tickets."),
("awayTeamAbbreviation","string","The away team's abbreviated name. Sports event tickets."),
("awayTeamLocation","string","The away team's home location, such as Cupertino. Sports event tickets."),
("awayTeamName","string","The away team's name. Sports event tickets."),
("balance","*SemanticCurrencyAmount","The current balance of a store card."),
("boardingGroup","string","A group number for boarding. Boarding passes."),
("boardingSequenceNumber","string","A sequence number for boarding. Boarding passes."),
("boardingZone","string","A zone for boarding, without the word zone. Boarding passes."),
("carNumber","string","The number of the passenger car (carriage, coach). Rail boarding passes."),
("confirmationNumber","string","A booking or reservation confirmation number. Any pass."),
("currentArrivalDate","SemanticDate","The updated arrival date and time (ISO 8601). Boarding passes."),
("currentBoardingDate","SemanticDate","The updated boarding date and time (ISO 8601). Boarding passes."),
("currentDepartureDate","SemanticDate","The updated departure date and time (ISO 8601). Boarding passes."),
("departureAirportCode","string","The IATA code of the departure airport, such as LHR. Airline boarding passes."),
("departureAirportName","string","The full name of the departure airport. Airline boarding passes."),
("departureCityName","string","The name of the departure city. Boarding passes."),
("departureGate","string","The departure gate, such as 1A, without the word gate. Boarding passes."),
("departureLocation","*SemanticLocation","Where the journey departs, as precisely as known. Boarding passes."),
("departureLocationDescription","string","A description of the departure location, such as Paris. Boarding passes."),
("departureLocationSecurityPrograms","[]string","Security programs at the departure location, such as PKTransitSecurityProgramTSAPreCheck. Airline boarding passes."),
("departureLocationTimeZone","string","The IANA time zone of the departure location, such as Europe/Paris. Boarding passes."),
("departurePlatform","string","The departure platform, such as 4. Rail boarding passes."),
("departureStationName","string","The name of the departure station. Rail boarding passes."),
("departureTerminal","string","The departure terminal, such as 5. Airline boarding passes."),
("destinationAirportCode","string","The IATA code of the destination airport, such as SFO. Airline boarding passes."),
("destinationAirportName","string","The full name of the destination airport. Airline boarding passes."),
("destinationCityName","string","The name of the destination city. Boarding passes."),
("destinationGate","string","The arrival gate, without the word gate. Boarding passes."),
("destinationLocation","*SemanticLocation","Where the journey arrives. Boarding passes."),
("destinationLocationDescription","string","A description of the destination location. Boarding passes."),
("destinationLocationSecurityPrograms","[]string","Security programs at the destination location. Airline boarding passes."),
("destinationLocationTimeZone","string","The IANA time zone of the destination location. Boarding passes."),
("destinationPlatform","string","The arrival platform. Rail boarding passes."),
("destinationStationName","string","The name of the destination station. Rail boarding passes."),
("destinationTerminal","string","The arrival terminal. Airline boarding passes."),
("duration","*int64","The duration of the event or journey, in seconds. Boarding passes and event tickets."),
("entranceDescription","string","A description of the entrance to use, such as North Gate. Event tickets."),
("eventEndDate","SemanticDate","When the event ends (ISO 8601). Event tickets."),
("eventLiveMessage","string","A message shown in the event's Live Activity when it starts. Event tickets."),
("eventName","string","The full name of the event, such as the title of a movie. Event tickets."),
("eventStartDate","SemanticDate","When the event starts (ISO 8601). Event tickets."),
("eventStartDateInfo","*SemanticEventDateInfo","When the event starts, with its time zone, or a date without a time. Event tickets."),
("eventType","SemanticEventType","The kind of event: it chooses the poster layout (sports, live performance, or generic). Event tickets."),
("flightCode","string","The IATA flight code, such as EX123. Airline boarding passes."),
("flightNumber","*int64","The numeric flight number, such as 123. Airline boarding passes."),
("genre","string","The genre of the performance, such as Classical. Event tickets."),
("homeTeamAbbreviation","string","The home team's abbreviated name. Sports event tickets."),
("homeTeamLocation","string","The home team's home location. Sports event tickets."),
("homeTeamName","string","The home team's name. Sports event tickets."),
("internationalDocumentsAreVerified","*bool","Whether the passenger's international documents are verified. Airline boarding passes."),
("internationalDocumentsVerifiedDeclarationName","string","The name of the declaration the verification of documents refers to. Airline boarding passes."),
("leagueAbbreviation","string","The abbreviated league name. Sports event tickets."),
("leagueName","string","The league name. Sports event tickets."),
("loungePlaceIDs","[]string","Apple Maps place IDs of lounges the passenger may use. Airline boarding passes."),
("membershipProgramName","string","The name of a frequent flyer or loyalty program. Boarding passes and store cards."),
("membershipProgramNumber","string","The holder's frequent flyer or loyalty number. Boarding passes and store cards."),
("membershipProgramStatus","string","The holder's status in the program, such as Gold. Boarding passes."),
("originalArrivalDate","SemanticDate","The scheduled arrival date and time (ISO 8601). Boarding passes."),
("originalBoardingDate","SemanticDate","The scheduled boarding date and time (ISO 8601). Boarding passes."),
("originalDepartureDate","SemanticDate","The scheduled departure date and time (ISO 8601). Boarding passes."),
("passengerAirlineSSRs","[]string","IATA special service request codes of the passenger, such as WCHR. Airline boarding passes."),
("passengerCapabilities","[]string","What the passenger may do, such as PKPassengerCapabilityPreBoarding. Airline boarding passes."),
("passengerEligibleSecurityPrograms","[]string","Security programs the passenger is eligible for. Airline boarding passes."),
("passengerInformationSSRs","[]string","IATA information SSR codes of the passenger. Airline boarding passes."),
("passengerName","*SemanticPersonName","The passenger's name. Boarding passes."),
("passengerServiceSSRs","[]string","IATA service SSR codes of the passenger. Airline boarding passes."),
("performerNames","[]string","The names of the performers, headliner first. Event tickets."),
("playlistIDs","[]string","Apple Music playlist IDs for the event. Event tickets."),
("priorityStatus","string","The passenger's priority status, such as Gold. Boarding passes."),
("seats","[]SemanticSeat","The seats the pass admits to. Boarding passes and event tickets."),
("securityScreening","string","The type of security screening, such as Priority. Boarding passes."),
("silenceRequested","*bool","Whether the device should stay silent during the event or journey. Boarding passes and event tickets."),
("sportName","string","The name of the sport, such as Soccer. Sports event tickets."),
("tailgatingAllowed","*bool","Whether tailgating is allowed at the venue. Event tickets."),
("ticketFareClass","string","The fare class of the ticket, such as Economy. Boarding passes."),
("totalPrice","*SemanticCurrencyAmount","The total price paid for the pass. Any pass."),
("transitProvider","string","The name of the transit company. Boarding passes."),
("transitStatus","string","The current status of the journey, such as On Time or Delayed. Boarding passes."),
("transitStatusReason","string","The reason for the transit status, such as Thunderstorms. Boarding passes."),
("vehicleName","string","The name of the vehicle, such as the name of a ship. Boarding passes."),
("vehicleNumber","string","The identifier of the vehicle, such as an aircraft registration. Boarding passes."),
("vehicleType","string","The type of vehicle, such as Airbus A380. Boarding passes."),
("venueBoxOfficeOpenDate","SemanticDate","When the venue's box office opens (ISO 8601). Event tickets."),
("venueCloseDate","SemanticDate","When the venue closes (ISO 8601). Event tickets."),
("venueDoorsOpenDate","SemanticDate","When the venue's doors open (ISO 8601). Event tickets."),
("venueEntrance","string","The full name of the entrance to use, such as Gate A. Event tickets."),
("venueEntranceDoor","string","The door of the entrance. Event tickets."),
("venueEntranceGate","string","The gate of the entrance. Event tickets."),
("venueEntrancePortal","string","The portal of the entrance. Event tickets."),
("venueFanZoneOpenDate","SemanticDate","When the venue's fan zone opens (ISO 8601). Event tickets."),
("venueGatesOpenDate","SemanticDate","When the venue's gates open (ISO 8601). Event tickets."),
("venueLocation","*SemanticLocation","Where the venue is. Event tickets."),
("venueName","string","The full name of the venue. Event tickets."),
("venueOpenDate","SemanticDate","When the venue opens (ISO 8601). Event tickets."),
("venueParkingLotsOpenDate","SemanticDate","When the venue's parking lots open (ISO 8601). Event tickets."),
("venuePhoneNumber","string","The venue's phone number. Event tickets."),
("venuePlaceID","string","The venue's Apple Maps place ID. Event tickets."),
("venueRegionName","string","The region the venue is in, such as a city. Event tickets."),
("venueRoom","string","The room of the venue, such as a hall or screen. Event tickets."),
("wifiAccess","[]SemanticWifiNetwork","Wi-Fi networks of the event or journey. Any pass."),
]
def gofield(k):
    n=k[0].upper()+k[1:]
    n=n.replace("Ids","IDs").replace("Id","ID") if n.endswith("Id") else n
    return n
out=[]
out.append('''package v1alpha1

// Code generated by hack/semantics.py from Apple's SemanticTags reference
// (WalletPasses); DO NOT EDIT by hand: change the table there.

// Semantics are Apple's semantic tags (SemanticTags): machine-readable data
// Wallet uses to show the pass (a poster event ticket, a semantic boarding
// pass with live flight updates), to suggest actions (Maps, Music, Siri)
// and to start Live Activities. Key names are Apple's. String values may
// hold placeholders filled from the pass's data ({{ .data.seat }}); dates
// are ISO 8601 once filled. A Pass's semantics merge over its template's,
// key by key.
type Semantics struct {''')
for k,t,doc in S:
    out.append("\t// %s" % doc)
    if t=="string":
        out.append("\t// +kubebuilder:validation:MaxLength=1024")
    if t=="[]string":
        out.append("\t// +kubebuilder:validation:MaxItems=32\n\t// +kubebuilder:validation:items:MaxLength=256\n\t// +listType=atomic")
    if t.startswith("[]Semantic"):
        out.append("\t// +kubebuilder:validation:MaxItems=32\n\t// +listType=atomic")
    out.append("\t// +optional")
    out.append("\t%s %s `json:\"%s,omitempty\"`" % (gofield(k),t,k))
    out.append("")
out[-1:]=[]
out.append("}")
open(__import__('os').path.join(__import__('os').path.dirname(__file__), '..', 'api', 'v1alpha1', 'semantics_types.go'),'w').write("\n".join(out)+"\n")

