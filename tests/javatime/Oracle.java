// The reference the Python parser is tested against: a real JDK parsing a corpus.
//
// Reads lines "P<TAB>pattern<TAB>zone<TAB>text" (backslash escapes: \\ \t \n \r) on stdin
// and writes one line per case on stdout:
//   OK<TAB>epochMillis            the text parsed
//   ERROR<TAB>index<TAB>message   DateTimeParseException: its index and message
//   PATTERN<TAB>message           ofPattern rejected the pattern
//   ZONE<TAB>message              the default zone is not a ZoneId
//   OVERFLOW<TAB>message          toEpochMilli overflowed (ArithmeticException)
// Each case is ZonedDateTime.from(ofPattern(pattern).withZone(zone).parse(text)), with the
// one extension duckshred makes on purpose: a text that resolves to a date with no time of
// day and no stray time field is midnight of that date (ZonedDateTime.ofLocal rules).
// A line "F<TAB>pattern<TAB>zone<TAB>epochMillis" formats that instant in that zone instead
// (to make well-formed texts): "OK<TAB>text", or "FAILED<TAB>message".
import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.time.temporal.TemporalAccessor;
import java.time.temporal.TemporalQueries;
import java.util.Locale;

public final class Oracle {
    private static final String UNABLE = "Unable to obtain ZonedDateTime from TemporalAccessor";

    public static void main(String[] args) throws IOException {
        Locale.setDefault(Locale.US);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        PrintStream out = new PrintStream(new BufferedOutputStream(System.out, 1 << 16), false, "UTF-8");
        String line;
        while ((line = in.readLine()) != null) {
            String[] parts = line.split("\t", -1);
            String pattern = unescape(parts[1]);
            String zone = unescape(parts[2]);
            String value = unescape(parts[3]);
            out.println(parts[0].equals("F") ? format(pattern, zone, value) : run(pattern, zone, value));
        }
        out.flush();
    }

    static String format(String pattern, String zoneId, String epochMillis) {
        try {
            Instant instant = Instant.ofEpochMilli(Long.parseLong(epochMillis));
            return "OK\t" + escape(DateTimeFormatter.ofPattern(pattern).format(instant.atZone(ZoneId.of(zoneId))));
        } catch (RuntimeException e) {
            return "FAILED\t" + escape(String.valueOf(e.getMessage()));
        }
    }

    static String run(String pattern, String zoneId, String text) {
        DateTimeFormatter formatter;
        try {
            formatter = DateTimeFormatter.ofPattern(pattern);
        } catch (RuntimeException e) {  // IllegalArgumentException, and one ClassCastException
            return "PATTERN\t" + escape(e.getMessage());
        }
        ZoneId zone;
        try {
            zone = ZoneId.of(zoneId);
        } catch (DateTimeException e) {
            return "ZONE\t" + escape(e.getMessage());
        }
        formatter = formatter.withZone(zone);
        try {
            try {
                return "OK\t" + formatter.parse(text, ZonedDateTime::from).toInstant().toEpochMilli();
            } catch (DateTimeParseException e) {
                String message = e.getMessage();
                int unable = message.indexOf(UNABLE);
                if (unable < 0) {
                    return "ERROR\t" + e.getErrorIndex() + "\t" + escape(message);
                }
                Long midnight;
                try {
                    midnight = midnight(formatter.parse(text));
                } catch (DateTimeException rejected) {
                    // as Java words a parse that fails while resolving
                    String shown = text.length() > 64 ? text.substring(0, 64) + "..." : text;
                    return "ERROR\t0\t" + escape("Text '" + shown + "' could not be parsed: "
                            + rejected.getMessage());
                }
                if (midnight != null) {
                    return "OK\t" + midnight;
                }
                // the rest of Java's message prints a HashMap: not stable, not compared
                return "ERROR\t" + e.getErrorIndex() + "\t" + escape(message.substring(0, unable + UNABLE.length()));
            }
        } catch (ArithmeticException e) {
            return "OVERFLOW\t" + escape(e.getMessage());
        }
    }

    // duckshred's extension: a date alone is the start of that day
    static Long midnight(TemporalAccessor parsed) {
        LocalDate date = parsed.query(TemporalQueries.localDate());
        LocalTime time = parsed.query(TemporalQueries.localTime());
        if (date == null || time != null) {
            return null;
        }
        for (ChronoField field : ChronoField.values()) {
            if (field.isTimeBased() && parsed.isSupported(field)) {
                return null;
            }
        }
        ZoneOffset offset = parsed.query(TemporalQueries.offset());
        if (offset != null) {
            return date.atStartOfDay().toInstant(offset).toEpochMilli();
        }
        ZoneId zone = parsed.query(TemporalQueries.zone());
        return ZonedDateTime.ofLocal(date.atStartOfDay(), zone, null).toInstant().toEpochMilli();
    }

    static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r");
    }

    static String unescape(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                char next = s.charAt(++i);
                out.append(next == 't' ? '\t' : next == 'n' ? '\n' : next == 'r' ? '\r' : next);
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
