# syntax=docker/dockerfile:1
# The grader's image on Kubernetes: the grading Job's pods and the formgrader service. It holds
# the hidden material (autograders/ with hidden checks and reference solutions, course/source/
# with the solutions) and must never be a student's server image.
#
# It is the students' image plus the grader: students' kernels run in the same environment as on
# their servers (/opt/dlcourse/student-env, inside the grading sandbox), the grader in its own
# (/opt/dlcourse/grader-env), with bubblewrap for the sandbox. Build the student image first:
#   docker build -f hub_config/kubernetes/images/grader.Dockerfile \
#     --build-arg STUDENT_IMAGE=dlcourse-student:0.1.0 -t dlcourse-grader:0.1.0 .
ARG STUDENT_IMAGE=dlcourse-student:0.1.0
FROM ${STUDENT_IMAGE}

USER root
# the grading sandbox: bubblewrap, and setpriv/prlimit (util-linux) and useradd (passwd), which slim has
RUN apt-get update \
 && apt-get install -y --no-install-recommends bubblewrap \
 && rm -rf /var/lib/apt/lists/*

ENV GRADER_ENV=/opt/dlcourse/grader-env \
    DLCOURSE_STUDENT_ENV=/opt/dlcourse/student-env
COPY pyproject.toml README.md /opt/dlcourse/src/
COPY autograders/ /opt/dlcourse/src/autograders/
COPY hub_config/kubernetes/images/student/requirements-hub.txt /opt/dlcourse/requirements/hub.txt
RUN python -m venv "$GRADER_ENV" \
 && "$GRADER_ENV/bin/pip" install --upgrade pip \
 && "$GRADER_ENV/bin/pip" install /opt/dlcourse/src -r /opt/dlcourse/requirements/hub.txt \
 && rm -rf /opt/dlcourse/src
ENV PATH=/opt/dlcourse/grader-env/bin:$PATH

# the course as the formgrader's pod first copies it onto the course's volume
COPY course/nbgrader_config.py /opt/dlcourse/course/nbgrader_config.py
COPY course/roster.csv /opt/dlcourse/course/roster.csv
COPY course/schedule.toml /opt/dlcourse/course/schedule.toml
COPY course/common/ /opt/dlcourse/course/common/
COPY course/source/ /opt/dlcourse/course/source/

WORKDIR /course
CMD ["jupyterhub-singleuser", "--allow-root"]
