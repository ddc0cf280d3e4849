//===- SessionGuard.h - a tool's model and session, released --*- C++ -*-===//

#ifndef R1_TOOLS_SESSIONGUARD_H
#define R1_TOOLS_SESSIONGUARD_H

#include "r1rt.h"

/// Destroys the session and closes the model when it goes out of scope, so
/// every return of a tool's main, error or not, releases them.
struct SessionGuard {
  r1rt_model *model;
  r1rt_session *session;
  ~SessionGuard() {
    r1rt_session_destroy(session);
    r1rt_close(model);
  }
};

#endif // R1_TOOLS_SESSIONGUARD_H
