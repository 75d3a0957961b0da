#pragma once

// Aligned text tables: an upper-case header line, then one line a row, columns two blanks
// apart, numbers right-aligned, long cells cut to their column's limit with an ellipsis so one
// long error message cannot push every other column off the screen.

#include <string>
#include <string_view>
#include <vector>

namespace tasks::shell {

enum class Align { left, right };

struct Column {
  std::string header;
  Align align = Align::left;
  size_t max_width = 40;  // in characters (UTF-8 code points), the ellipsis included
};

// Columns as the views make them: text to the left, numbers (and ages) to the right.
inline Column left(std::string header, size_t max_width = 40) {
  return {std::move(header), Align::left, max_width};
}
inline Column right(std::string header) {
  return {std::move(header), Align::right, 20};
}

struct Table {
  std::vector<Column> columns;
  std::vector<std::vector<std::string>> rows;  // a short row is padded with empty cells
};

// The header and the rows, each line ending in '\n', no trailing blanks.
std::string render(const Table& table);

// Characters a terminal shows for UTF-8 text (code points; wide characters count as one).
size_t display_width(std::string_view text);

// Control characters (a newline in an error message) become blanks; text wider than
// `max_width` is cut and ends in "…".
std::string fit_cell(std::string_view text, size_t max_width);

}  // namespace tasks::shell
