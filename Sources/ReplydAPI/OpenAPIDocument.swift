/// The admin API's OpenAPI 3.1 document.
public enum OpenAPIDocument {
    public static let json = #"""
{
  "openapi": "3.1.0",
  "info": {
    "title": "replyd admin API",
    "version": "1",
    "description": "Manage replyd, the autoresponder gateway: mailboxes and aliases, vacation replies, contacts, SMS lists, the inbound log, the outbound queue and order-status notifications. JSON over HTTP under `/api/v1/`.\n\nEvery call except `GET /api/v1/openapi.json` needs `Authorization: Bearer <token>` with a token from `[[api.tokens]]`. Scopes: `admin` may do everything; `read` may make every GET (and the vacation preview); an area scope (`mailboxes`, `vacation`, `contacts`, `sms`, `queue`, `log`, `notify`) may read and change that area. A missing or unknown token gets 401, a token without the scope 403.\n\nErrors are `{\"error\": message}`; a 400 that names fields adds `\"fields\": {name: problem}`. A request body over `api.max_body` bytes gets 413. Keys are snake_case; instants are ISO 8601 (`2026-12-20T08:00:00Z`); optional values that are not set are left out."
  },
  "servers": [
    {
      "url": "/"
    }
  ],
  "security": [
    {
      "bearerAuth": []
    }
  ],
  "tags": [
    {
      "name": "meta",
      "description": "This document and the server's status."
    },
    {
      "name": "mailboxes",
      "description": "Mailboxes and their aliases."
    },
    {
      "name": "vacation",
      "description": "Vacation replies."
    },
    {
      "name": "contacts",
      "description": "Per-mailbox and organisation-wide contacts."
    },
    {
      "name": "sms",
      "description": "SMS lists and subscriptions."
    },
    {
      "name": "log",
      "description": "Inbound messages and why they were or were not answered."
    },
    {
      "name": "queue",
      "description": "Outbound replies."
    },
    {
      "name": "notifications",
      "description": "Order-status notifications to customers (SMS and e-mail) and their templates."
    }
  ],
  "paths": {
    "/api/v1/openapi.json": {
      "get": {
        "operationId": "getOpenAPIDocument",
        "tags": [
          "meta"
        ],
        "summary": "This document",
        "description": "The admin API's OpenAPI 3.1 document.\n\nNo token needed.",
        "security": [],
        "responses": {
          "200": {
            "description": "The document.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/OpenAPIDocument"
                }
              }
            }
          }
        }
      }
    },
    "/api/v1/status": {
      "get": {
        "operationId": "getStatus",
        "tags": [
          "meta"
        ],
        "summary": "Server status",
        "description": "Version, listen addresses, uptime and store figures (what `replyd status` shows).\n\nRequired scope: `read` or `admin` (an area scope such as `queue` is not enough).",
        "responses": {
          "200": {
            "description": "The status.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Status"
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          }
        }
      }
    },
    "/api/v1/mailboxes": {
      "get": {
        "operationId": "listMailboxes",
        "tags": [
          "mailboxes"
        ],
        "summary": "List mailboxes",
        "description": "Mailboxes created here, listed in `mail.mailboxes`, or having a vacation reply, sorted by address.\n\nRequired scope: `mailboxes`, `read` or `admin`.",
        "parameters": [
          {
            "name": "away",
            "in": "query",
            "required": false,
            "description": "`true`: only mailboxes whose vacation reply is in force now; `false`: only the others.",
            "schema": {
              "type": "boolean"
            }
          },
          {
            "$ref": "#/components/parameters/Limit"
          },
          {
            "$ref": "#/components/parameters/Offset"
          }
        ],
        "responses": {
          "200": {
            "description": "A page of mailboxes.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/MailboxPage"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          }
        }
      },
      "post": {
        "operationId": "createMailbox",
        "tags": [
          "mailboxes"
        ],
        "summary": "Create a mailbox",
        "description": "Creates a mailbox with its aliases; SMTP accepts the new addresses at once. 409 when the mailbox exists or an alias is already another mailbox's address.\n\nRequired scope: `mailboxes` or `admin`.",
        "requestBody": {
          "description": "The mailbox.",
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/NewMailbox"
              }
            }
          }
        },
        "responses": {
          "201": {
            "description": "Created.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Mailbox"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "409": {
            "$ref": "#/components/responses/Conflict"
          },
          "413": {
            "$ref": "#/components/responses/ContentTooLarge"
          }
        }
      }
    },
    "/api/v1/mailboxes/{address}": {
      "get": {
        "operationId": "getMailbox",
        "tags": [
          "mailboxes"
        ],
        "summary": "Get a mailbox",
        "description": "Required scope: `mailboxes`, `read` or `admin`.",
        "parameters": [
          {
            "$ref": "#/components/parameters/Address"
          }
        ],
        "responses": {
          "200": {
            "description": "The mailbox.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Mailbox"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          }
        }
      },
      "delete": {
        "operationId": "deleteMailbox",
        "tags": [
          "mailboxes"
        ],
        "summary": "Delete a mailbox",
        "description": "Deletes the mailbox with its aliases, vacation reply and contacts. 409 when it is listed in `mail.mailboxes` of the configuration (remove it there).\n\nRequired scope: `mailboxes` or `admin`.",
        "parameters": [
          {
            "$ref": "#/components/parameters/Address"
          }
        ],
        "responses": {
          "204": {
            "description": "Done; no body."
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          },
          "409": {
            "$ref": "#/components/responses/Conflict"
          }
        }
      }
    },
    "/api/v1/mailboxes/{address}/aliases": {
      "put": {
        "operationId": "setMailboxAliases",
        "tags": [
          "mailboxes"
        ],
        "summary": "Replace a mailbox's aliases",
        "description": "409 when an alias is another mailbox or another mailbox's alias (nothing is changed then).\n\nRequired scope: `mailboxes` or `admin`.",
        "parameters": [
          {
            "$ref": "#/components/parameters/Address"
          }
        ],
        "requestBody": {
          "description": "The new aliases.",
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/AliasList"
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "The mailbox with its new aliases.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Mailbox"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          },
          "409": {
            "$ref": "#/components/responses/Conflict"
          },
          "413": {
            "$ref": "#/components/responses/ContentTooLarge"
          }
        }
      }
    },
    "/api/v1/mailboxes/{address}/vacation": {
      "get": {
        "operationId": "getVacation",
        "tags": [
          "vacation"
        ],
        "summary": "Get a vacation reply",
        "description": "The settings in the form that reproduces them (dates in ISO 8601 with the vacation's offset).\n\nRequired scope: `vacation`, `read` or `admin`.",
        "parameters": [
          {
            "$ref": "#/components/parameters/Address"
          }
        ],
        "responses": {
          "200": {
            "description": "The vacation reply.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Vacation"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          }
        }
      },
      "put": {
        "operationId": "putVacation",
        "tags": [
          "vacation"
        ],
        "summary": "Set a vacation reply",
        "description": "Creates or replaces the mailbox's vacation reply, with the same form and checks as `replyd vacation set`. Every problem is reported at once; a problem with the path's address is reported under `address`.\n\nRequired scope: `vacation` or `admin`.",
        "parameters": [
          {
            "$ref": "#/components/parameters/Address"
          }
        ],
        "requestBody": {
          "description": "The vacation settings.",
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/VacationSettings"
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "Replaced.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Vacation"
                }
              }
            }
          },
          "201": {
            "description": "Created.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Vacation"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "413": {
            "$ref": "#/components/responses/ContentTooLarge"
          }
        }
      },
      "delete": {
        "operationId": "deleteVacation",
        "tags": [
          "vacation"
        ],
        "summary": "Remove a vacation reply",
        "description": "Required scope: `vacation` or `admin`.",
        "parameters": [
          {
            "$ref": "#/components/parameters/Address"
          }
        ],
        "responses": {
          "204": {
            "description": "Done; no body."
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          }
        }
      }
    },
    "/api/v1/mailboxes/{address}/vacation/preview": {
      "post": {
        "operationId": "previewVacation",
        "tags": [
          "vacation"
        ],
        "summary": "Preview a vacation reply",
        "description": "The reply the given settings would send to one sender, composed exactly as the reply engine composes it; nothing is stored. Problems with the settings are reported as `settings.<field>`.\n\nRequired scope: `vacation`, `read` or `admin` (the preview stores nothing, so it counts as a read).",
        "parameters": [
          {
            "$ref": "#/components/parameters/Address"
          }
        ],
        "requestBody": {
          "description": "The settings and the message to answer.",
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/PreviewRequest"
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "The reply.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Preview"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "413": {
            "$ref": "#/components/responses/ContentTooLarge"
          }
        }
      }
    },
    "/api/v1/mailboxes/{address}/contacts": {
      "get": {
        "operationId": "listContacts",
        "tags": [
          "contacts"
        ],
        "summary": "List contacts",
        "description": "The contacts of a mailbox, or with `*` the organisation-wide contacts, sorted by address.\n\nRequired scope: `contacts`, `read` or `admin`.",
        "parameters": [
          {
            "$ref": "#/components/parameters/ContactOwner"
          },
          {
            "$ref": "#/components/parameters/Limit"
          },
          {
            "$ref": "#/components/parameters/Offset"
          }
        ],
        "responses": {
          "200": {
            "description": "A page of contacts.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ContactPage"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          }
        }
      },
      "post": {
        "operationId": "addContacts",
        "tags": [
          "contacts"
        ],
        "summary": "Add contacts",
        "description": "Adds one contact, a JSON array of them, or CSV (`Content-Type: text/csv`); an existing contact is renamed. All or nothing: one bad entry refuses the lot, naming each bad entry. 400 when no contacts are given.\n\nRequired scope: `contacts` or `admin`.",
        "parameters": [
          {
            "$ref": "#/components/parameters/ContactOwner"
          }
        ],
        "requestBody": {
          "description": "The contacts.",
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/NewContacts"
              }
            },
            "text/csv": {
              "schema": {
                "$ref": "#/components/schemas/ContactsCSV"
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "Added.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ContactsAdded"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "413": {
            "$ref": "#/components/responses/ContentTooLarge"
          }
        }
      }
    },
    "/api/v1/mailboxes/{address}/contacts/{contact}": {
      "delete": {
        "operationId": "deleteContact",
        "tags": [
          "contacts"
        ],
        "summary": "Remove a contact",
        "description": "Required scope: `contacts` or `admin`.",
        "parameters": [
          {
            "$ref": "#/components/parameters/ContactOwner"
          },
          {
            "$ref": "#/components/parameters/Contact"
          }
        ],
        "responses": {
          "204": {
            "description": "Done; no body."
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          }
        }
      }
    },
    "/api/v1/sms/lists": {
      "get": {
        "operationId": "listSMSLists",
        "tags": [
          "sms"
        ],
        "summary": "List SMS lists",
        "description": "Every SMS list, in one page.\n\nRequired scope: `sms`, `read` or `admin`.",
        "responses": {
          "200": {
            "description": "All SMS lists.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/SMSListPage"
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          }
        }
      }
    },
    "/api/v1/sms/lists/{list}": {
      "get": {
        "operationId": "getSMSList",
        "tags": [
          "sms"
        ],
        "summary": "Get an SMS list",
        "description": "Required scope: `sms`, `read` or `admin`.",
        "parameters": [
          {
            "$ref": "#/components/parameters/List"
          }
        ],
        "responses": {
          "200": {
            "description": "The list.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/SMSList"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          }
        }
      },
      "put": {
        "operationId": "putSMSList",
        "tags": [
          "sms"
        ],
        "summary": "Create or replace an SMS list",
        "description": "The prefix in the path must be a single word of letters and digits that is not itself a keyword of the list.\n\nRequired scope: `sms` or `admin`.",
        "parameters": [
          {
            "$ref": "#/components/parameters/List"
          }
        ],
        "requestBody": {
          "description": "The list's settings.",
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/SMSListSettings"
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "Replaced.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/SMSList"
                }
              }
            }
          },
          "201": {
            "description": "Created.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/SMSList"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "413": {
            "$ref": "#/components/responses/ContentTooLarge"
          }
        }
      },
      "delete": {
        "operationId": "deleteSMSList",
        "tags": [
          "sms"
        ],
        "summary": "Delete an SMS list",
        "description": "Required scope: `sms` or `admin`.",
        "parameters": [
          {
            "$ref": "#/components/parameters/List"
          }
        ],
        "responses": {
          "204": {
            "description": "Done; no body."
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          }
        }
      }
    },
    "/api/v1/sms/lists/{list}/subscriptions": {
      "get": {
        "operationId": "listSMSSubscriptions",
        "tags": [
          "sms"
        ],
        "summary": "List a list's subscriptions",
        "description": "Sorted by number. A list that does not exist has no subscriptions (an empty page, not 404).\n\nRequired scope: `sms`, `read` or `admin`.",
        "parameters": [
          {
            "$ref": "#/components/parameters/List"
          },
          {
            "name": "status",
            "in": "query",
            "required": false,
            "description": "Only subscriptions in this state.",
            "schema": {
              "type": "string",
              "enum": [
                "in",
                "out"
              ]
            }
          },
          {
            "$ref": "#/components/parameters/Limit"
          },
          {
            "$ref": "#/components/parameters/Offset"
          }
        ],
        "responses": {
          "200": {
            "description": "A page of subscriptions.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/SubscriptionPage"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          }
        }
      }
    },
    "/api/v1/log": {
      "get": {
        "operationId": "getLog",
        "tags": [
          "log"
        ],
        "summary": "Inbound messages",
        "description": "Newest first (what `replyd log` shows). Pages back with `before` and `next_before`.\n\nRequired scope: `log`, `read` or `admin`.",
        "parameters": [
          {
            "$ref": "#/components/parameters/Limit"
          },
          {
            "name": "before",
            "in": "query",
            "required": false,
            "description": "Only messages with an id below this one (the previous page's `next_before`).",
            "schema": {
              "type": "integer",
              "format": "int64",
              "minimum": 1
            }
          }
        ],
        "responses": {
          "200": {
            "description": "Messages.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/LogPage"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          }
        }
      }
    },
    "/api/v1/messages/{id}": {
      "get": {
        "operationId": "explainMessage",
        "tags": [
          "log"
        ],
        "summary": "Explain a message",
        "description": "A message with every decision about it, each rule checked, and the delivery of each reply (what `replyd explain` shows).\n\nRequired scope: `log`, `read` or `admin`.",
        "parameters": [
          {
            "$ref": "#/components/parameters/MessageID"
          }
        ],
        "responses": {
          "200": {
            "description": "The explanation.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Explanation"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          }
        }
      }
    },
    "/api/v1/queue": {
      "get": {
        "operationId": "listQueue",
        "tags": [
          "queue"
        ],
        "summary": "List outbound items",
        "description": "Newest first. Without `status`: the items still queued (pending or deferred) and the failed ones.\n\nRequired scope: `queue` or `admin` (recipients are customers' addresses and numbers: `read` is not enough).",
        "parameters": [
          {
            "name": "status",
            "in": "query",
            "required": false,
            "description": "Only items in this state.",
            "schema": {
              "type": "string",
              "enum": [
                "pending",
                "deferred",
                "sent",
                "failed",
                "dropped",
                "suppressed"
              ]
            }
          },
          {
            "$ref": "#/components/parameters/Limit"
          },
          {
            "$ref": "#/components/parameters/Offset"
          }
        ],
        "responses": {
          "200": {
            "description": "A page of outbound items.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/QueuePage"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          }
        }
      }
    },
    "/api/v1/queue/{id}/retry": {
      "post": {
        "operationId": "retryQueueItem",
        "tags": [
          "queue"
        ],
        "summary": "Retry an item now",
        "description": "Makes a queued or failed item due now. 404 when there is no such item or it is no longer queued or failed. 409 while a worker is delivering it.\n\nRequired scope: `queue` or `admin`.",
        "parameters": [
          {
            "$ref": "#/components/parameters/QueueID"
          }
        ],
        "responses": {
          "200": {
            "description": "Due now.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/RetryResult"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          },
          "409": {
            "$ref": "#/components/responses/Conflict"
          }
        }
      }
    },
    "/api/v1/queue/{id}": {
      "delete": {
        "operationId": "dropQueueItem",
        "tags": [
          "queue"
        ],
        "summary": "Drop an item",
        "description": "Never sends a queued or failed item; it is kept with status `dropped` for the record. 404 when there is no such item or it is no longer queued or failed. 409 while a worker is delivering it (it may already be at the far side).\n\nRequired scope: `queue` or `admin`.",
        "parameters": [
          {
            "$ref": "#/components/parameters/QueueID"
          }
        ],
        "responses": {
          "204": {
            "description": "Done; no body."
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          },
          "409": {
            "$ref": "#/components/responses/Conflict"
          }
        }
      }
    },
    "/api/v1/notifications": {
      "post": {
        "operationId": "createNotification",
        "tags": [
          "notifications"
        ],
        "summary": "Notify a customer of an order event",
        "description": "Records the request, applies the fatigue rules and queues the message on the chosen channels (what `replyd notify` does); answered 202 once all of it is stored, sending is left to the delivery workers. The rules, in order: one notification per order and event (409 naming the earlier one, unless `force` is true); at most `notifications.max_per_order` per order (else `held`, reason `order-limit: …`); the channel: the customer's `channel_preference`, or without one `notifications.default_channel` with the other channel as the fallback when the first has no address, is opted out or is not configured (noted in `notes`); `both` sends on every usable channel; a single preference never falls back (`held`, reason e.g. `sms-opted-out`, `no-sms-address`, `no-email-address`); then the timing: `notifications.min_gap` after the customer's previous notification and `notifications.quiet_hours` in the customer's time zone delay it (queued until then, never dropped; noted in `notes`). A held notification is recorded and never sent. Every problem with the request is reported at once, nested fields as `customer.email`. 404 when notifications are not configured (neither `notifications.email_from` nor `notifications.sms_from` is set).\n\nRequired scope: `notify` or `admin`.",
        "requestBody": {
          "description": "The order, the event, the customer and the template variables.",
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/NewNotification"
              }
            }
          }
        },
        "responses": {
          "202": {
            "description": "Recorded: scheduled on its channels, or held.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Notification"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          },
          "409": {
            "description": "This order was already notified of this event (send `\"force\": true` to notify again); nothing is recorded.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/NotificationConflict"
                }
              }
            }
          },
          "413": {
            "$ref": "#/components/responses/ContentTooLarge"
          }
        }
      }
    },
    "/api/v1/notifications/{id}": {
      "get": {
        "operationId": "getNotification",
        "tags": [
          "notifications"
        ],
        "summary": "Get a notification",
        "description": "The request, what was decided (`scheduled` or `held`, with the notes) and the delivery of each queued message.\n\nRequired scope: `notify` or `admin` (customers' addresses and numbers: `read` is not enough).",
        "parameters": [
          {
            "$ref": "#/components/parameters/NotificationID"
          }
        ],
        "responses": {
          "200": {
            "description": "The notification.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Notification"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          }
        }
      }
    },
    "/api/v1/orders/{order_id}/notifications": {
      "get": {
        "operationId": "listOrderNotifications",
        "tags": [
          "notifications"
        ],
        "summary": "An order's notifications",
        "description": "Every notification recorded for the order, held ones included, oldest first (what `replyd notify show` shows). 404 when the order has none.\n\nRequired scope: `notify` or `admin` (customers' addresses and numbers: `read` is not enough).",
        "parameters": [
          {
            "$ref": "#/components/parameters/OrderID"
          }
        ],
        "responses": {
          "200": {
            "description": "The order's notifications.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/OrderNotifications"
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          }
        }
      }
    },
    "/api/v1/notification-templates": {
      "get": {
        "operationId": "listNotificationTemplates",
        "tags": [
          "notifications"
        ],
        "summary": "List notification templates",
        "description": "The text of every configured event (`notifications.events`), channel (`sms`, `email`) and locale (`pl`, `en`), in that order, in one page: the one saved here (`custom`) or the built-in one. SMS templates come with the parts and encoding they take rendered with sample data. 404 when notifications are not configured (neither `notifications.email_from` nor `notifications.sms_from` is set).\n\nRequired scope: `notify` or `admin` (customers' addresses and numbers: `read` is not enough).",
        "responses": {
          "200": {
            "description": "All templates.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/NotificationTemplatePage"
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          }
        }
      }
    },
    "/api/v1/notification-templates/{event}/{channel}/{locale}": {
      "put": {
        "operationId": "putNotificationTemplate",
        "tags": [
          "notifications"
        ],
        "summary": "Set a notification template",
        "description": "Saves the text of one event, channel and locale, used from the next notification on. Refused (400 naming `body` or `subject`) when the template does not parse, the body is empty, an e-mail template has no subject, an SMS template has one, or an SMS rendered with sample data takes more than `notifications.max_sms_parts` parts. A path that is not a configured event, `sms` or `email`, `pl` or `en` is 400 naming `event`, `channel` or `locale`. 404 when notifications are not configured (neither `notifications.email_from` nor `notifications.sms_from` is set).\n\nRequired scope: `notify` or `admin`.",
        "parameters": [
          {
            "$ref": "#/components/parameters/TemplateEvent"
          },
          {
            "$ref": "#/components/parameters/TemplateChannel"
          },
          {
            "$ref": "#/components/parameters/TemplateLocale"
          }
        ],
        "requestBody": {
          "description": "The template.",
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/NotificationTemplateSettings"
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "Saved.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/NotificationTemplate"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          },
          "413": {
            "$ref": "#/components/responses/ContentTooLarge"
          }
        }
      }
    }
  },
  "components": {
    "securitySchemes": {
      "bearerAuth": {
        "type": "http",
        "scheme": "bearer",
        "description": "A token from `[[api.tokens]]` of the configuration."
      }
    },
    "parameters": {
      "Address": {
        "name": "address",
        "in": "path",
        "required": true,
        "description": "A mail address in a local domain (`mail.local_domains`); case does not matter.",
        "schema": {
          "type": "string"
        },
        "example": "jan.kowalski@example.com"
      },
      "Contact": {
        "name": "contact",
        "in": "path",
        "required": true,
        "description": "The contact: a mail address or an international phone number (percent-encoded).",
        "schema": {
          "type": "string"
        },
        "example": "anna.nowak@example.org"
      },
      "ContactOwner": {
        "name": "address",
        "in": "path",
        "required": true,
        "description": "A mail address in a local domain, or `*` for the organisation-wide contacts.",
        "schema": {
          "type": "string"
        },
        "example": "*"
      },
      "Limit": {
        "name": "limit",
        "in": "query",
        "required": false,
        "description": "Items per page.",
        "schema": {
          "type": "integer",
          "minimum": 1,
          "maximum": 500,
          "default": 50
        }
      },
      "List": {
        "name": "list",
        "in": "path",
        "required": true,
        "description": "The SMS list: its E.164 number, optionally followed by a space and the keyword prefix, percent-encoded (`%2B48500100200%20PIZZA`). A national number is read with `sms.default_country_code`.",
        "schema": {
          "type": "string"
        },
        "example": "+48500100200 PIZZA"
      },
      "MessageID": {
        "name": "id",
        "in": "path",
        "required": true,
        "description": "The inbound message's id.",
        "schema": {
          "type": "integer",
          "format": "int64",
          "minimum": 1
        }
      },
      "NotificationID": {
        "name": "id",
        "in": "path",
        "required": true,
        "description": "The notification's id.",
        "schema": {
          "type": "integer",
          "format": "int64",
          "minimum": 1
        }
      },
      "Offset": {
        "name": "offset",
        "in": "query",
        "required": false,
        "description": "Items to skip.",
        "schema": {
          "type": "integer",
          "minimum": 0,
          "default": 0
        }
      },
      "OrderID": {
        "name": "order_id",
        "in": "path",
        "required": true,
        "description": "The shop's order id, as sent in `order_id` (percent-encoded).",
        "schema": {
          "type": "string"
        },
        "example": "2026-000123"
      },
      "QueueID": {
        "name": "id",
        "in": "path",
        "required": true,
        "description": "The queue item's id.",
        "schema": {
          "type": "integer",
          "format": "int64",
          "minimum": 1
        }
      },
      "TemplateChannel": {
        "name": "channel",
        "in": "path",
        "required": true,
        "description": "The channel.",
        "schema": {
          "type": "string",
          "enum": [
            "sms",
            "email"
          ]
        }
      },
      "TemplateEvent": {
        "name": "event",
        "in": "path",
        "required": true,
        "description": "An event of `notifications.events` (by default `confirmed`, `shipped`, `out_for_delivery`, `delivered`, `delayed`, `cancelled`).",
        "schema": {
          "type": "string"
        },
        "example": "shipped"
      },
      "TemplateLocale": {
        "name": "locale",
        "in": "path",
        "required": true,
        "description": "The language.",
        "schema": {
          "type": "string",
          "enum": [
            "pl",
            "en"
          ]
        }
      }
    },
    "responses": {
      "BadRequest": {
        "description": "Invalid request: the fields named, or a message (e.g. a body that is not JSON).",
        "content": {
          "application/json": {
            "schema": {
              "anyOf": [
                {
                  "$ref": "#/components/schemas/InvalidFields"
                },
                {
                  "$ref": "#/components/schemas/Error"
                }
              ]
            }
          }
        }
      },
      "Conflict": {
        "description": "The change conflicts with what exists.",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            }
          }
        }
      },
      "ContentTooLarge": {
        "description": "The request body is over `api.max_body` bytes.",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            }
          }
        }
      },
      "Forbidden": {
        "description": "A valid token without the scope this call needs.",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            }
          }
        }
      },
      "NotFound": {
        "description": "No such resource.",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            }
          }
        }
      },
      "Unauthorized": {
        "description": "No `Authorization: Bearer` header, a malformed one, or an unknown token.",
        "headers": {
          "WWW-Authenticate": {
            "description": "Always `Bearer realm=\"replyd\"`.",
            "schema": {
              "type": "string",
              "const": "Bearer realm=\"replyd\""
            }
          }
        },
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            }
          }
        }
      }
    },
    "schemas": {
      "AliasList": {
        "type": "object",
        "description": "The mailbox's aliases, replacing the old ones.",
        "required": [
          "aliases"
        ],
        "properties": {
          "aliases": {
            "type": "array",
            "items": {
              "type": "string"
            },
            "description": "The complete new list of the mailbox's own aliases, each a mail address in a local domain; `[]` removes them all."
          }
        }
      },
      "Contact": {
        "type": "object",
        "description": "A contact.",
        "required": [
          "address",
          "created_at"
        ],
        "properties": {
          "address": {
            "type": "string",
            "description": "A lower-cased mail address or an international phone number (`+` and digits)."
          },
          "name": {
            "type": "string",
            "description": "Absent when not set."
          },
          "created_at": {
            "type": "string",
            "format": "date-time"
          }
        },
        "additionalProperties": false
      },
      "ContactPage": {
        "type": "object",
        "description": "A page of contacts, sorted by address.",
        "required": [
          "items",
          "total",
          "limit",
          "offset"
        ],
        "properties": {
          "items": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/Contact"
            }
          },
          "total": {
            "type": "integer",
            "minimum": 0,
            "description": "How many items match in all."
          },
          "limit": {
            "type": "integer",
            "minimum": 0,
            "description": "The `limit` applied."
          },
          "offset": {
            "type": "integer",
            "minimum": 0,
            "description": "The `offset` applied."
          }
        },
        "additionalProperties": false
      },
      "ContactsAdded": {
        "type": "object",
        "description": "The outcome of adding contacts.",
        "required": [
          "owner",
          "added",
          "total"
        ],
        "properties": {
          "owner": {
            "type": "string",
            "description": "The mailbox address, or `*` for the organisation-wide contacts."
          },
          "added": {
            "type": "integer",
            "minimum": 1,
            "description": "Contacts written (added or renamed)."
          },
          "total": {
            "type": "integer",
            "minimum": 0,
            "description": "The owner's contacts now."
          }
        },
        "additionalProperties": false
      },
      "ContactsCSV": {
        "type": "string",
        "description": "CSV with a header row (RFC 4180 quoting), the format of `replyd contacts import`. The address column is named `address`, `email`, `e-mail` or `phone`; a `name` column is optional. All or nothing: problems are reported per line (`line 3`).",
        "examples": [
          "address,name\nanna.nowak@example.com,Anna Nowak\n+48500100200,\n"
        ]
      },
      "Customer": {
        "type": "object",
        "description": "The customer a notification goes to, as stored.",
        "required": [
          "name"
        ],
        "properties": {
          "name": {
            "type": "string"
          },
          "email": {
            "type": "string",
            "description": "Lower-cased mail address; absent when not given."
          },
          "phone": {
            "type": "string",
            "description": "E.164 number; absent when not given."
          },
          "channel_preference": {
            "type": "string",
            "enum": [
              "sms",
              "email",
              "both"
            ],
            "description": "Absent when not given."
          },
          "time_zone": {
            "type": "string",
            "description": "IANA time zone for quiet hours; absent: `notifications.time_zone`."
          },
          "locale": {
            "type": "string",
            "enum": [
              "pl",
              "en"
            ],
            "description": "Language of the texts; absent: `notifications.locale`."
          }
        },
        "additionalProperties": false
      },
      "Decision": {
        "type": "object",
        "description": "What was decided for one recipient, and why.",
        "required": [
          "recipient",
          "replied",
          "checks",
          "decided_at"
        ],
        "properties": {
          "recipient": {
            "type": "string"
          },
          "mailbox": {
            "type": "string",
            "description": "The mailbox the recipient resolved to; absent when none."
          },
          "replied": {
            "type": "boolean"
          },
          "reason": {
            "type": "string",
            "description": "Why no reply was sent; absent when one was."
          },
          "checks": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/RuleCheck"
            }
          },
          "decided_at": {
            "type": "string",
            "format": "date-time"
          },
          "reply": {
            "$ref": "#/components/schemas/ReplyDelivery"
          }
        },
        "additionalProperties": false
      },
      "DeliveryAttempt": {
        "type": "object",
        "description": "One delivery attempt of a reply.",
        "required": [
          "at",
          "outcome",
          "detail"
        ],
        "properties": {
          "at": {
            "type": "string",
            "format": "date-time"
          },
          "host": {
            "type": "string",
            "description": "The remote host; absent when none was reached."
          },
          "outcome": {
            "type": "string"
          },
          "detail": {
            "type": "string"
          }
        },
        "additionalProperties": false
      },
      "Error": {
        "type": "object",
        "description": "An error.",
        "required": [
          "error"
        ],
        "properties": {
          "error": {
            "type": "string",
            "description": "What went wrong."
          }
        },
        "additionalProperties": false
      },
      "Explanation": {
        "type": "object",
        "description": "A message and every decision about it (what `replyd explain` shows).",
        "required": [
          "message",
          "decisions"
        ],
        "properties": {
          "message": {
            "$ref": "#/components/schemas/LogEntry"
          },
          "decisions": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/Decision"
            }
          }
        },
        "additionalProperties": false
      },
      "InvalidFields": {
        "type": "object",
        "description": "A 400 that names each bad field.",
        "required": [
          "error",
          "fields"
        ],
        "properties": {
          "error": {
            "type": "string",
            "const": "invalid fields"
          },
          "fields": {
            "type": "object",
            "additionalProperties": {
              "type": "string"
            },
            "description": "Field name to what is wrong with it, every problem at once. Names are the JSON names; path parameters (`address`, `list`, `contact`, `id`, `event`, `channel`, `locale`) and query parameters (`limit`, `offset`, `away`, `status`, `before`) appear under their own names, nested body fields as `settings.days`, `customer.email` or `[2].address`, CSV rows as `line 3`.",
            "examples": [
              {
                "address": "example.org is not a local domain (mail.local_domains)"
              }
            ]
          }
        },
        "additionalProperties": false
      },
      "LogEntry": {
        "type": "object",
        "description": "An inbound message with what was decided for it.",
        "required": [
          "id",
          "received_at",
          "channel",
          "sender",
          "recipients",
          "remote_address",
          "size",
          "decisions",
          "deliveries"
        ],
        "properties": {
          "id": {
            "type": "integer",
            "format": "int64",
            "minimum": 1
          },
          "received_at": {
            "type": "string",
            "format": "date-time"
          },
          "channel": {
            "type": "string",
            "description": "How it came in (`email`)."
          },
          "sender": {
            "type": "string",
            "description": "The envelope sender; empty for a null sender."
          },
          "recipients": {
            "type": "array",
            "items": {
              "type": "string"
            },
            "description": "Envelope recipients, in order."
          },
          "subject": {
            "type": "string",
            "description": "Absent when the message has none."
          },
          "message_id": {
            "type": "string",
            "description": "The Message-ID header; absent when the message has none."
          },
          "remote_address": {
            "type": "string",
            "description": "The SMTP client's address."
          },
          "tls_version": {
            "type": "string",
            "description": "Absent when the session was not encrypted."
          },
          "size": {
            "type": "integer",
            "minimum": 0,
            "description": "Bytes."
          },
          "decisions": {
            "type": "array",
            "items": {
              "type": "string"
            },
            "description": "Per decided recipient: `replied` or the reason it was not answered (e.g. `no-vacation`, `already-replied-within-period`)."
          },
          "deliveries": {
            "type": "array",
            "items": {
              "type": "string"
            },
            "description": "Per queued reply: its outbound status (`queued`, `deferred`, `sent`, `failed`, `dropped`, `suppressed`)."
          }
        },
        "additionalProperties": false
      },
      "LogPage": {
        "type": "object",
        "description": "Inbound messages, newest first.",
        "required": [
          "items",
          "next_before"
        ],
        "properties": {
          "items": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/LogEntry"
            }
          },
          "next_before": {
            "type": [
              "integer",
              "null"
            ],
            "format": "int64",
            "minimum": 1,
            "description": "Pass as `before` for the next (older) page; null on the last page."
          }
        },
        "additionalProperties": false
      },
      "Mailbox": {
        "type": "object",
        "description": "A mailbox: created here, listed in the configuration, or having a vacation reply.",
        "required": [
          "address",
          "aliases",
          "configured"
        ],
        "properties": {
          "address": {
            "type": "string",
            "description": "The mailbox address, lower-cased."
          },
          "name": {
            "type": "string",
            "description": "Display name; absent when not set."
          },
          "aliases": {
            "type": "array",
            "items": {
              "type": "string"
            },
            "description": "The mailbox's own aliases."
          },
          "configured": {
            "type": "boolean",
            "description": "Listed in `mail.mailboxes` of the configuration (change it there; not deletable here)."
          },
          "created_at": {
            "type": "string",
            "format": "date-time",
            "description": "When it was created through the API or command line; absent for mailboxes known only from the configuration or a vacation."
          },
          "vacation": {
            "$ref": "#/components/schemas/VacationState"
          }
        },
        "additionalProperties": false
      },
      "MailboxPage": {
        "type": "object",
        "description": "A page of mailboxes, sorted by address.",
        "required": [
          "items",
          "total",
          "limit",
          "offset"
        ],
        "properties": {
          "items": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/Mailbox"
            }
          },
          "total": {
            "type": "integer",
            "minimum": 0,
            "description": "How many items match in all."
          },
          "limit": {
            "type": "integer",
            "minimum": 0,
            "description": "The `limit` applied."
          },
          "offset": {
            "type": "integer",
            "minimum": 0,
            "description": "The `offset` applied."
          }
        },
        "additionalProperties": false
      },
      "NewContact": {
        "type": "object",
        "description": "A contact to add.",
        "required": [
          "address"
        ],
        "properties": {
          "address": {
            "type": "string",
            "description": "A mail address or a phone number in international form (`+48 500 100 200`; spaces, dashes, dots and parentheses are dropped)."
          },
          "name": {
            "type": "string",
            "description": "Display name; empty means none. An existing contact keeps its name when none is given."
          }
        }
      },
      "NewContacts": {
        "description": "One contact or an array of them. All or nothing: one bad entry refuses the lot.",
        "oneOf": [
          {
            "$ref": "#/components/schemas/NewContact"
          },
          {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/NewContact"
            }
          }
        ]
      },
      "NewCustomer": {
        "type": "object",
        "description": "Who to notify. At least one of `email` and `phone` is required.",
        "required": [
          "name"
        ],
        "properties": {
          "name": {
            "type": "string",
            "description": "The customer's name (`{{customer_name}}`); must not be blank."
          },
          "email": {
            "type": "string",
            "description": "A mail address; absent or empty: none."
          },
          "phone": {
            "type": "string",
            "description": "A phone number in international form (`+48 500 100 200`), or national read with `sms.default_country_code`; absent or empty: none."
          },
          "channel_preference": {
            "type": "string",
            "enum": [
              "sms",
              "email",
              "both"
            ],
            "description": "`sms` or `email`: only that channel, never the other; `both`: every channel with an address; absent or empty: `notifications.default_channel`, the other channel as the fallback."
          },
          "time_zone": {
            "type": "string",
            "description": "IANA time zone the quiet hours are read in; absent or empty: `notifications.time_zone`.",
            "examples": [
              "Europe/Warsaw"
            ]
          },
          "locale": {
            "type": "string",
            "enum": [
              "pl",
              "en"
            ],
            "description": "Language of the texts; absent or empty: `notifications.locale`."
          }
        }
      },
      "NewMailbox": {
        "type": "object",
        "description": "A mailbox to create.",
        "required": [
          "address"
        ],
        "properties": {
          "address": {
            "type": "string",
            "description": "A mail address in a local domain (`mail.local_domains`)."
          },
          "name": {
            "type": "string",
            "description": "Display name."
          },
          "aliases": {
            "type": "array",
            "items": {
              "type": "string"
            },
            "description": "Further addresses in local domains that reach this mailbox."
          }
        }
      },
      "NewNotification": {
        "type": "object",
        "description": "An order-status notification as a shop sends it. Everything is checked at once and every problem is reported under its field name (`customer.phone`, `data.tracking_url`).",
        "required": [
          "order_id",
          "event",
          "customer"
        ],
        "properties": {
          "order_id": {
            "type": "string",
            "minLength": 1,
            "maxLength": 200,
            "description": "The shop's order id; must not be blank, at most 200 characters (surrounding spaces are dropped).",
            "examples": [
              "2026-000123"
            ]
          },
          "event": {
            "type": "string",
            "description": "What happened: an event of `notifications.events` (by default `confirmed`, `shipped`, `out_for_delivery`, `delivered`, `delayed`, `cancelled`).",
            "examples": [
              "shipped"
            ]
          },
          "customer": {
            "$ref": "#/components/schemas/NewCustomer"
          },
          "data": {
            "type": "object",
            "additionalProperties": {
              "type": "string",
              "maxLength": 2000
            },
            "description": "Template variables, each a string of at most 2000 characters: `order_number`, `expected_delivery`, `tracking_url`, `carrier`, `status_text`, `status`, `shop_name`, or any other a template uses. The templates also get `customer_name`, `order_id`, `order_number` (default: `order_id`), `event`, `status` (default: the event's built-in status text), `shop_name` (default: `notifications.shop_name`).",
            "examples": [
              {
                "order_number": "2026-000123",
                "expected_delivery": "środa, 2 grudnia",
                "tracking_url": "https://track.example.com/p/00340434161234567890",
                "carrier": "InPost"
              }
            ]
          },
          "force": {
            "type": "boolean",
            "description": "Notify even though this order was already notified of this event. Default false."
          }
        }
      },
      "Notification": {
        "type": "object",
        "description": "An order-status notification: the request, what was decided and the delivery of each queued message.",
        "required": [
          "id",
          "order_id",
          "event",
          "status",
          "notes",
          "forced",
          "requested_at",
          "customer",
          "data",
          "deliveries"
        ],
        "properties": {
          "id": {
            "type": "integer",
            "format": "int64",
            "minimum": 1
          },
          "order_id": {
            "type": "string"
          },
          "event": {
            "type": "string"
          },
          "status": {
            "type": "string",
            "enum": [
              "scheduled",
              "held"
            ],
            "description": "`scheduled`: queued on its channels (see `deliveries`); `held`: recorded and never sent (see `reason`)."
          },
          "reason": {
            "type": "string",
            "description": "Why it is held: `order-limit: …`, or why no channel could be used (`no-sms-address`, `no-email-address`, `sms-opted-out`, `sms-not-configured`, `email-not-configured`, several separated by `, `); absent when scheduled."
          },
          "notes": {
            "type": "array",
            "items": {
              "type": "string"
            },
            "description": "Delays and fallbacks with their reasons.",
            "examples": [
              [
                "min-gap: the customer's previous notification is at 2026-12-01T18:00:00Z; waits until 2026-12-01T18:30:00Z",
                "quiet-hours: 21:00-08:00 in Europe/Warsaw; queued until 2026-12-02T07:00:00Z",
                "sms-opted-out: e-mail instead"
              ]
            ]
          },
          "forced": {
            "type": "boolean",
            "description": "Sent with `force`."
          },
          "requested_at": {
            "type": "string",
            "format": "date-time"
          },
          "send_at": {
            "type": "string",
            "format": "date-time",
            "description": "When it is due, after the minimum gap and quiet hours; absent when held."
          },
          "customer": {
            "$ref": "#/components/schemas/Customer"
          },
          "data": {
            "type": "object",
            "additionalProperties": {
              "type": "string"
            },
            "description": "The template variables as sent."
          },
          "deliveries": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/NotificationDelivery"
            },
            "description": "One per queued message (channel); empty when held."
          }
        },
        "additionalProperties": false
      },
      "NotificationConflict": {
        "type": "object",
        "description": "The order was already notified of this event.",
        "required": [
          "error",
          "id"
        ],
        "properties": {
          "error": {
            "type": "string",
            "description": "What went wrong."
          },
          "id": {
            "type": "integer",
            "format": "int64",
            "description": "The earlier notification of this order and event."
          }
        },
        "additionalProperties": false
      },
      "NotificationDelivery": {
        "type": "object",
        "description": "A notification's message on one channel, as queued.",
        "required": [
          "channel",
          "queue_id",
          "recipient",
          "status",
          "attempts",
          "due_at"
        ],
        "properties": {
          "channel": {
            "type": "string",
            "enum": [
              "email",
              "sms"
            ]
          },
          "queue_id": {
            "type": "integer",
            "format": "int64",
            "description": "The outbound item's id (`/api/v1/queue`)."
          },
          "recipient": {
            "type": "string",
            "description": "The mail address or E.164 number."
          },
          "status": {
            "type": "string",
            "enum": [
              "pending",
              "deferred",
              "sent",
              "failed",
              "dropped",
              "suppressed"
            ],
            "description": "`pending` (never tried), `deferred` (tried, will retry), or the final status."
          },
          "attempts": {
            "type": "integer",
            "minimum": 0
          },
          "due_at": {
            "type": "string",
            "format": "date-time",
            "description": "When it is (next) tried."
          },
          "sent_at": {
            "type": "string",
            "format": "date-time",
            "description": "Absent until sent."
          },
          "last_error": {
            "type": "string",
            "description": "Absent when none."
          }
        },
        "additionalProperties": false
      },
      "NotificationTemplate": {
        "type": "object",
        "description": "The text of one event, channel and locale.",
        "required": [
          "event",
          "channel",
          "locale",
          "body",
          "custom"
        ],
        "properties": {
          "event": {
            "type": "string"
          },
          "channel": {
            "type": "string",
            "enum": [
              "sms",
              "email"
            ]
          },
          "locale": {
            "type": "string",
            "enum": [
              "pl",
              "en"
            ]
          },
          "subject": {
            "type": "string",
            "description": "The subject template; absent for SMS."
          },
          "body": {
            "type": "string",
            "description": "The text template (Mustache, plain text)."
          },
          "custom": {
            "type": "boolean",
            "description": "Saved here; false: the built-in text."
          },
          "sms_parts": {
            "type": "integer",
            "minimum": 1,
            "description": "SMS: the parts it takes rendered with sample data; absent for e-mail."
          },
          "sms_encoding": {
            "type": "string",
            "enum": [
              "GSM-7",
              "UCS-2"
            ],
            "description": "SMS: the encoding it takes rendered with sample data; absent for e-mail."
          }
        },
        "additionalProperties": false
      },
      "NotificationTemplatePage": {
        "type": "object",
        "description": "All notification templates (not paged: `limit` is the number of templates and `offset` is 0).",
        "required": [
          "items",
          "total",
          "limit",
          "offset"
        ],
        "properties": {
          "items": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/NotificationTemplate"
            }
          },
          "total": {
            "type": "integer",
            "minimum": 0,
            "description": "How many items match in all."
          },
          "limit": {
            "type": "integer",
            "minimum": 0,
            "description": "The `limit` applied."
          },
          "offset": {
            "type": "integer",
            "minimum": 0,
            "description": "The `offset` applied."
          }
        },
        "additionalProperties": false
      },
      "NotificationTemplateSettings": {
        "type": "object",
        "description": "A notification template: Mustache, plain text (no HTML escaping). Variables: the request's `data` and `customer_name`, `order_id`, `order_number` (default: `order_id`), `event`, `status` (default: the event's built-in status text), `shop_name` (default: `notifications.shop_name`).",
        "required": [
          "body"
        ],
        "properties": {
          "subject": {
            "type": "string",
            "description": "E-mail: the subject template, required. SMS: must be absent or empty.",
            "examples": [
              "Zamówienie {{order_number}}: {{status}}"
            ]
          },
          "body": {
            "type": "string",
            "description": "The text template; must not be blank. An SMS must fit `notifications.max_sms_parts` parts with sample data.",
            "examples": [
              "{{customer_name}}, zamówienie {{order_number}} zostało wysłane.{{#tracking_url}} Śledź: {{tracking_url}}{{/tracking_url}}"
            ]
          }
        }
      },
      "OpenAPIDocument": {
        "type": "object",
        "description": "This OpenAPI 3.1 document."
      },
      "OrderNotifications": {
        "type": "object",
        "description": "An order's notifications, oldest first.",
        "required": [
          "order_id",
          "items"
        ],
        "properties": {
          "order_id": {
            "type": "string"
          },
          "items": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/Notification"
            }
          }
        },
        "additionalProperties": false
      },
      "Preview": {
        "type": "object",
        "description": "What the settings would do with a message from `from` right now, decided by the same pipeline as real mail in a transaction that is rolled back (nothing is stored), and the reply they would send.",
        "required": [
          "would_reply",
          "envelope_sender",
          "recipient",
          "subject",
          "body",
          "raw"
        ],
        "properties": {
          "would_reply": {
            "type": "boolean",
            "description": "Mail from this sender now would be answered (false: see `reason`; the reply shown is what the settings send when they answer)."
          },
          "reason": {
            "type": "string",
            "description": "Why it would not be answered (`not-a-contact`, `already-replied-within-period`, …)."
          },
          "envelope_sender": {
            "type": "string",
            "description": "The reply's envelope sender: `<>`, or the mailbox where a relay demands a real sender."
          },
          "recipient": {
            "type": "string",
            "description": "Who the reply goes to."
          },
          "subject": {
            "type": "string",
            "description": "The rendered subject."
          },
          "body": {
            "type": "string",
            "description": "The rendered text."
          },
          "raw": {
            "type": "string",
            "description": "The message exactly as it would be queued (headers and quoted-printable body)."
          }
        },
        "additionalProperties": false
      },
      "PreviewRequest": {
        "type": "object",
        "description": "Vacation settings to try and the message to answer.",
        "required": [
          "settings"
        ],
        "properties": {
          "settings": {
            "$ref": "#/components/schemas/VacationSettings"
          },
          "from": {
            "type": "string",
            "description": "The sender the preview answers (a mail address). Default `anna.nowak@example.com`, a sender outside the organisation."
          },
          "from_name": {
            "type": "string",
            "description": "The sender's display name."
          },
          "subject": {
            "type": "string",
            "description": "The subject of the message being answered. Default `Spotkanie w przyszłym tygodniu`."
          }
        }
      },
      "QueueItem": {
        "type": "object",
        "description": "An outbound reply (mail or SMS).",
        "required": [
          "id",
          "channel",
          "kind",
          "status",
          "recipient",
          "envelope_sender",
          "created_at",
          "next_attempt_at",
          "attempts"
        ],
        "properties": {
          "id": {
            "type": "integer",
            "format": "int64",
            "minimum": 1
          },
          "channel": {
            "type": "string",
            "enum": [
              "email",
              "sms"
            ]
          },
          "kind": {
            "type": "string",
            "enum": [
              "vacation",
              "mail-list",
              "sms-list",
              "notification"
            ],
            "description": "What it answers: an out-of-office reply, a mail list's or an SMS list's answer to a keyword, or an order-status notification."
          },
          "intent": {
            "type": "string",
            "description": "The keyword a list answer answers (`opt-in`, `opt-out`, `help`, `message`); a farewell (`opt-out`) is still sent to a number that has just opted out."
          },
          "status": {
            "type": "string",
            "enum": [
              "pending",
              "deferred",
              "sent",
              "failed",
              "dropped",
              "suppressed"
            ],
            "description": "`pending` (never tried), `deferred` (tried, will retry), or the final status."
          },
          "recipient": {
            "type": "string"
          },
          "envelope_sender": {
            "type": "string"
          },
          "subject": {
            "type": "string",
            "description": "Absent when none."
          },
          "created_at": {
            "type": "string",
            "format": "date-time"
          },
          "next_attempt_at": {
            "type": "string",
            "format": "date-time"
          },
          "attempts": {
            "type": "integer",
            "minimum": 0
          },
          "last_error": {
            "type": "string",
            "description": "Absent when none."
          },
          "sent_at": {
            "type": "string",
            "format": "date-time",
            "description": "Absent until sent."
          },
          "remote_host": {
            "type": "string",
            "description": "The host that accepted it; absent until sent."
          }
        },
        "additionalProperties": false
      },
      "QueuePage": {
        "type": "object",
        "description": "A page of outbound items, newest first.",
        "required": [
          "items",
          "total",
          "limit",
          "offset"
        ],
        "properties": {
          "items": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/QueueItem"
            }
          },
          "total": {
            "type": "integer",
            "minimum": 0,
            "description": "How many items match in all."
          },
          "limit": {
            "type": "integer",
            "minimum": 0,
            "description": "The `limit` applied."
          },
          "offset": {
            "type": "integer",
            "minimum": 0,
            "description": "The `offset` applied."
          }
        },
        "additionalProperties": false
      },
      "ReplyDelivery": {
        "type": "object",
        "description": "The reply queued for a recipient.",
        "required": [
          "id",
          "status",
          "attempts"
        ],
        "properties": {
          "id": {
            "type": "integer",
            "format": "int64",
            "description": "The queue item's id."
          },
          "status": {
            "type": "string",
            "description": "`pending`, `deferred`, `sent`, `failed`, `dropped`, `suppressed`, or `unknown` when the queue item is gone."
          },
          "attempts": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/DeliveryAttempt"
            }
          }
        },
        "additionalProperties": false
      },
      "RetryResult": {
        "type": "object",
        "description": "The item is due now.",
        "required": [
          "id",
          "status"
        ],
        "properties": {
          "id": {
            "type": "integer",
            "format": "int64"
          },
          "status": {
            "type": "string",
            "const": "pending"
          }
        },
        "additionalProperties": false
      },
      "RuleCheck": {
        "type": "object",
        "description": "One rule of the reply policy, passed or not.",
        "required": [
          "rule",
          "passed",
          "detail"
        ],
        "properties": {
          "rule": {
            "type": "string",
            "description": "The rule (a suppression reason code).",
            "enum": [
              "no-vacation",
              "outside-schedule",
              "null-sender",
              "own-address",
              "automated-sender",
              "auto-submitted",
              "list-mail",
              "precedence-bulk",
              "auto-response-suppressed",
              "not-explicitly-addressed",
              "not-a-contact",
              "other-domain",
              "already-replied-within-period",
              "rate-limited"
            ]
          },
          "passed": {
            "type": "boolean"
          },
          "detail": {
            "type": "string"
          }
        },
        "additionalProperties": false
      },
      "SMSKeywordSets": {
        "type": "object",
        "description": "The list's keywords, folded (upper case, no diacritics) and sorted.",
        "required": [
          "opt_out",
          "opt_in",
          "help"
        ],
        "properties": {
          "opt_out": {
            "type": "array",
            "items": {
              "type": "string"
            }
          },
          "opt_in": {
            "type": "array",
            "items": {
              "type": "string"
            }
          },
          "help": {
            "type": "array",
            "items": {
              "type": "string"
            }
          }
        },
        "additionalProperties": false
      },
      "SMSList": {
        "type": "object",
        "description": "An SMS list.",
        "required": [
          "key",
          "number",
          "name",
          "welcome",
          "farewell",
          "help",
          "subscribers_only",
          "transliterate",
          "days",
          "keywords"
        ],
        "properties": {
          "key": {
            "type": "string",
            "description": "The list's key: `number`, or `number` and `prefix` separated by a space.",
            "examples": [
              "+48500100200 PIZZA"
            ]
          },
          "number": {
            "type": "string",
            "description": "The E.164 number the list is reached at.",
            "examples": [
              "+48500100200"
            ]
          },
          "prefix": {
            "type": "string",
            "description": "The first word that picks this list among those sharing the number (folded to upper case); absent for the number's own list."
          },
          "name": {
            "type": "string"
          },
          "welcome": {
            "type": "string",
            "description": "Sent on opt-in."
          },
          "farewell": {
            "type": "string",
            "description": "Sent on opt-out."
          },
          "help": {
            "type": "string",
            "description": "Sent on a help keyword."
          },
          "autoreply": {
            "type": "string",
            "description": "Answer to anything that is not a keyword; absent: such messages are only logged."
          },
          "subscribers_only": {
            "type": "boolean",
            "description": "Only subscribed numbers get the autoreply."
          },
          "transliterate": {
            "type": "boolean",
            "description": "Keep Polish texts in GSM-7."
          },
          "days": {
            "type": "integer",
            "minimum": 1,
            "description": "At most one autoreply per number per this many days."
          },
          "keywords": {
            "$ref": "#/components/schemas/SMSKeywordSets"
          }
        },
        "additionalProperties": false
      },
      "SMSListPage": {
        "type": "object",
        "description": "All SMS lists (not paged: `limit` is the number of lists and `offset` is 0).",
        "required": [
          "items",
          "total",
          "limit",
          "offset"
        ],
        "properties": {
          "items": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/SMSList"
            }
          },
          "total": {
            "type": "integer",
            "minimum": 0,
            "description": "How many items match in all."
          },
          "limit": {
            "type": "integer",
            "minimum": 0,
            "description": "The `limit` applied."
          },
          "offset": {
            "type": "integer",
            "minimum": 0,
            "description": "The `offset` applied."
          }
        },
        "additionalProperties": false
      },
      "SMSListSettings": {
        "type": "object",
        "description": "An SMS list's settings; the whole list is replaced.",
        "required": [
          "name",
          "welcome",
          "farewell",
          "help"
        ],
        "properties": {
          "name": {
            "type": "string",
            "description": "Must not be blank."
          },
          "welcome": {
            "type": "string",
            "description": "Sent on opt-in; must not be blank."
          },
          "farewell": {
            "type": "string",
            "description": "Sent on opt-out; must not be blank."
          },
          "help": {
            "type": "string",
            "description": "Sent on a help keyword; must not be blank."
          },
          "autoreply": {
            "type": "string",
            "description": "Answer to anything that is not a keyword; absent or empty: none."
          },
          "subscribers_only": {
            "type": "boolean",
            "description": "Default false."
          },
          "transliterate": {
            "type": "boolean",
            "description": "Default false."
          },
          "days": {
            "type": "integer",
            "minimum": 1,
            "description": "Default 7."
          },
          "opt_out_words": {
            "type": "array",
            "minItems": 1,
            "items": {
              "type": "string",
              "minLength": 1,
              "pattern": "^[^ ]+$"
            },
            "description": "Default: STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, REVOKE, OPTOUT, NIE."
          },
          "opt_in_words": {
            "type": "array",
            "minItems": 1,
            "items": {
              "type": "string",
              "minLength": 1,
              "pattern": "^[^ ]+$"
            },
            "description": "Default: START, YES, UNSTOP, TAK."
          },
          "help_words": {
            "type": "array",
            "minItems": 1,
            "items": {
              "type": "string",
              "minLength": 1,
              "pattern": "^[^ ]+$"
            },
            "description": "Default: HELP, INFO, POMOC."
          }
        }
      },
      "Status": {
        "type": "object",
        "description": "Server and store figures. `version`, `smtp`, `http`, `started_at` and `uptime_seconds` are added by the running server.",
        "required": [
          "inbound_messages",
          "inbound_sms",
          "queued",
          "failed",
          "oldest_queued_at",
          "active_vacations"
        ],
        "properties": {
          "version": {
            "type": "string",
            "description": "replyd's version."
          },
          "smtp": {
            "type": "string",
            "description": "The SMTP listen address(es)."
          },
          "http": {
            "type": "string",
            "description": "The HTTP listen address."
          },
          "started_at": {
            "type": "string",
            "format": "date-time",
            "description": "When the server started."
          },
          "uptime_seconds": {
            "type": "integer",
            "minimum": 0,
            "description": "Seconds since the server started."
          },
          "inbound_messages": {
            "type": "integer",
            "minimum": 0,
            "description": "Stored inbound mail messages."
          },
          "inbound_sms": {
            "type": "integer",
            "minimum": 0,
            "description": "Stored inbound SMS."
          },
          "queued": {
            "type": "object",
            "additionalProperties": {
              "type": "integer",
              "minimum": 0
            },
            "description": "Queued (pending or deferred) outbound items per channel (`email`, `sms`); channels with none are absent.",
            "examples": [
              {
                "email": 3,
                "sms": 1
              }
            ]
          },
          "failed": {
            "type": "integer",
            "minimum": 0,
            "description": "Outbound items that failed for good."
          },
          "oldest_queued_at": {
            "type": [
              "string",
              "null"
            ],
            "format": "date-time",
            "description": "When the oldest queued item was created; null when nothing is queued."
          },
          "active_vacations": {
            "type": "integer",
            "minimum": 0,
            "description": "Vacation replies in force now."
          }
        }
      },
      "Subscription": {
        "type": "object",
        "description": "A number's subscription to an SMS list.",
        "required": [
          "number",
          "status",
          "changed_at"
        ],
        "properties": {
          "number": {
            "type": "string",
            "description": "The subscriber's E.164 number."
          },
          "status": {
            "type": "string",
            "enum": [
              "in",
              "out"
            ],
            "description": "Opted in or out."
          },
          "changed_at": {
            "type": "string",
            "format": "date-time"
          },
          "last_autoreply_at": {
            "type": "string",
            "format": "date-time",
            "description": "Absent when none was sent."
          }
        },
        "additionalProperties": false
      },
      "SubscriptionPage": {
        "type": "object",
        "description": "A page of subscriptions, sorted by number.",
        "required": [
          "items",
          "total",
          "limit",
          "offset"
        ],
        "properties": {
          "items": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/Subscription"
            }
          },
          "total": {
            "type": "integer",
            "minimum": 0,
            "description": "How many items match in all."
          },
          "limit": {
            "type": "integer",
            "minimum": 0,
            "description": "The `limit` applied."
          },
          "offset": {
            "type": "integer",
            "minimum": 0,
            "description": "The `offset` applied."
          }
        },
        "additionalProperties": false
      },
      "Vacation": {
        "type": "object",
        "description": "A mailbox's vacation reply, in the form that reproduces it.",
        "required": [
          "mailbox",
          "active",
          "settings"
        ],
        "properties": {
          "mailbox": {
            "type": "string",
            "description": "The mailbox address."
          },
          "active": {
            "type": "boolean",
            "description": "In force now: start <= now < end."
          },
          "settings": {
            "$ref": "#/components/schemas/VacationSettings"
          }
        },
        "additionalProperties": false
      },
      "VacationSettings": {
        "type": "object",
        "description": "Vacation settings as a person fills them in (the same form as `replyd vacation set`). Only `message` is required; everything is checked at once and every problem is reported under its field name.",
        "required": [
          "message"
        ],
        "properties": {
          "start": {
            "type": "string",
            "description": "A date as people type it, read in `timezone`: `2026-12-20` (midnight), `2026-12-20T09:00`, `2026-12-20T09:00:30`, `2026-12-20 09:00`, `2026-12-20 09:00:30`, ISO 8601 with an offset (`2026-12-20T09:00:00+01:00`, `2026-12-20T08:00:00Z`), or `now`. Default `now`. Returned as ISO 8601 with the offset of `timezone`.",
            "examples": [
              "2026-12-20",
              "2026-12-20T09:00",
              "2026-12-20T09:00:00+01:00",
              "now"
            ]
          },
          "end": {
            "type": "string",
            "description": "A date as people type it, read in `timezone`: `2026-12-20` (midnight), `2026-12-20T09:00`, `2026-12-20T09:00:30`, `2026-12-20 09:00`, `2026-12-20 09:00:30`, ISO 8601 with an offset (`2026-12-20T09:00:00+01:00`, `2026-12-20T08:00:00Z`), or `now`. Must be after `start`; absent or empty: open-ended.",
            "examples": [
              "2027-01-06"
            ]
          },
          "subject": {
            "type": "string",
            "description": "Subject template (Mustache); absent or empty: the default subject."
          },
          "message": {
            "type": "string",
            "description": "Reply text template (Mustache). Required and must not be blank."
          },
          "internal_message": {
            "type": "string",
            "description": "Template used for senders inside the organisation; absent or empty: `message` is used."
          },
          "contacts_only": {
            "type": "boolean",
            "description": "Answer only senders in the mailbox's or the organisation-wide contacts. Default false."
          },
          "same_domain": {
            "type": "boolean",
            "description": "Answer only senders in the mailbox's own domain. Default false."
          },
          "days": {
            "type": "integer",
            "minimum": 1,
            "description": "Answer each sender at most once per this many days, at most `replies.max_days`. Default 7."
          },
          "timezone": {
            "type": "string",
            "description": "IANA time zone the dates are read in. Default `Europe/Warsaw`.",
            "examples": [
              "Europe/Warsaw"
            ]
          },
          "locale": {
            "type": "string",
            "enum": [
              "pl",
              "en"
            ],
            "description": "Language of the built-in texts. Default `pl`."
          },
          "owner_name": {
            "type": "string",
            "description": "The mailbox owner's name, for the templates."
          },
          "deputy_name": {
            "type": "string",
            "description": "Who stands in, for the templates."
          },
          "deputy_address": {
            "type": "string",
            "description": "The deputy's mail address, for the templates."
          },
          "aliases": {
            "type": "array",
            "items": {
              "type": "string"
            },
            "description": "Further addresses (mail addresses) this vacation answers for."
          }
        }
      },
      "VacationState": {
        "type": "object",
        "description": "The mailbox's vacation reply, in short.",
        "required": [
          "active",
          "start"
        ],
        "properties": {
          "active": {
            "type": "boolean",
            "description": "In force now: start <= now < end."
          },
          "start": {
            "type": "string",
            "format": "date-time"
          },
          "end": {
            "type": "string",
            "format": "date-time",
            "description": "Absent when open-ended."
          },
          "subject": {
            "type": "string",
            "description": "The reply's subject template; absent when the default is used."
          }
        },
        "additionalProperties": false
      }
    }
  }
}
"""#
}
