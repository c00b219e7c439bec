// ratel/io/bill_writer.hpp: bills written as JSON (DESIGN 4.3), text and CSV.
//
// Concept: one bill (bill.hpp) becomes bytes in one of three formats: JSON for systems
// (amounts are decimal strings, never JSON numbers), text for people, CSV for spreadsheets;
// and the bills' events as CSV for a network or notification system. Each whole-document
// writer is the one-bill pieces joined, so a writer that streams bills one at a time
// (run/stream.hpp) gives the same bytes. Nothing here reads the clock or depends on the
// thread count.
//
//   std::string json = bills_to_json(result.bills);
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ratel/bill.hpp"

namespace ratel {

/// One JSON document: an array of bills (DESIGN 4.3), pretty-printed, newline at the end.
/// `threads` workers render the bills; the bytes do not depend on it.
std::string bills_to_json(const std::vector<bill>& bills, unsigned threads = 1);
/// One bill as a JSON object document (for --out DIR).
std::string bill_to_json(const bill& b);
/// Human-readable text, one block per bill.
std::string bills_to_text(const std::vector<bill>& bills);
/// CSV: header
/// `subscriber,cycle,product,kind,service,country,band,quantity,rate,description,amount`, one row
/// per line and a `total` row per bill.
std::string bills_to_csv(const std::vector<bill>& bills);
/// The bills' events as CSV for a network or notification system: header
/// `subscriber,cycle,time,kind,product,record,threshold,counter,limit_kbps,reason`, in bill
/// order, each bill's events in time order.
std::string events_to_csv(const std::vector<bill>& bills);

// One bill at a time, for writers that stream (stream.hpp): the documents above are these
// pieces joined, so a stream of them gives the same bytes.

/// One bill as an element of bills_to_json's array: indented by two, no separator; the
/// array is "[\n", the elements joined by ",\n", then "\n]\n" ("[]\n" when empty).
std::string bill_to_json_element(const bill& b);
/// The same element appended to `out` (a buffer reused bill after bill grows no more).
void append_bill_json_element(std::string& out, const bill& b);
/// One bill's block of bills_to_text; blocks are joined by "\n".
std::string bill_to_text(const bill& b);
/// The header line of bills_to_csv, with its newline.
std::string_view bills_csv_header() noexcept;
/// One bill's rows of bills_to_csv (its lines and its total row).
std::string bill_to_csv_rows(const bill& b);
/// The header line of events_to_csv, with its newline.
std::string_view events_csv_header() noexcept;
/// One bill's rows of events_to_csv.
std::string bill_events_to_csv_rows(const bill& b);

}  // namespace ratel
