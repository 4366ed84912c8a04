#ifndef SHINCHOKU_CCURL_SHIM_H
#define SHINCHOKU_CCURL_SHIM_H
// libcurl's SMTP, for the mail delivery worker. curl_easy_setopt is variadic, which Swift cannot call, so the one
// transfer Shinchoku makes is written here: one handle, created, used and cleaned up inside one call on one thread.
// The include path comes from pkg-config (libcurl.pc); no absolute paths here.
#include <curl/curl.h>
#include <string.h>

struct shinchoku_curl_upload {
    const char *data;
    size_t length;
    size_t offset;
};

static size_t shinchoku_curl_read(char *buffer, size_t size, size_t count, void *context) {
    struct shinchoku_curl_upload *upload = (struct shinchoku_curl_upload *)context;
    size_t room = size * count;
    size_t left = upload->length - upload->offset;
    size_t n = left < room ? left : room;
    memcpy(buffer, upload->data + upload->offset, n);
    upload->offset += n;
    return n;
}

/// Sends one message over SMTP: `url` is smtp://host:port (or smtps://), `from` and `to` bare addresses, `message` the
/// whole RFC 5322 message with CRLF line ends. Returns curl's result; `response_code` gets the server's last reply
/// code (0 when it never answered) and `error_text` (CURL_ERROR_SIZE bytes) curl's message, which never holds the
/// URL's password.
static inline CURLcode shinchoku_smtp_send(
    const char *url, const char *from, const char *to, const char *message, size_t length, long timeout_seconds,
    long *response_code, char *error_text)
{
    *response_code = 0;
    error_text[0] = 0;
    CURL *curl = curl_easy_init();
    if (!curl) return CURLE_FAILED_INIT;
    struct shinchoku_curl_upload upload = { message, length, 0 };
    struct curl_slist *recipients = curl_slist_append(NULL, to);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from);
    curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, recipients);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, shinchoku_curl_read);
    curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_text);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, timeout_seconds);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, timeout_seconds);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
    CURLcode result = curl_easy_perform(curl);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, response_code);
    curl_slist_free_all(recipients);
    curl_easy_cleanup(curl);
    return result;
}

/// Once per process, before any thread uses curl.
static inline CURLcode shinchoku_curl_global_init(void) { return curl_global_init(CURL_GLOBAL_DEFAULT); }

#endif
