# syntax=docker/dockerfile:1
# The students' environment on Kubernetes: their servers, and the kernels the grader runs their
# notebooks in. It holds the course's libraries (course/requirements.txt), TensorFlow's GPU build,
# JupyterLab, nbgrader's assignment list and the ngshare exchange client, and nothing of the
# grader: no autograders/ (hidden checks, reference solutions), no course/source/ (the notebooks
# with their solutions). Student helper files (public_checks.py, digits.py, quiz.py) reach
# students with each assignment through nbgrader's release, not through this image: each
# assignment has its own public_checks.py, so they cannot share one folder on the image.
#
# Build from the repository's root; student.Dockerfile.dockerignore (BuildKit, the default builder
# since Docker 23) keeps everything else out of the build context, so no COPY can reach it:
#   docker build -f hub_config/kubernetes/images/student.Dockerfile -t dlcourse-student:0.1.0 .
FROM python:3.11-slim-bookworm

ENV VIRTUAL_ENV=/opt/dlcourse/student-env \
    PATH=/opt/dlcourse/student-env/bin:$PATH \
    PIP_NO_CACHE_DIR=1 \
    TF_FORCE_GPU_ALLOW_GROWTH=true \
    TF_CPP_MIN_LOG_LEVEL=2

# z2jh runs user servers as uid 1000 with fsGroup 100 by default
RUN useradd --create-home --uid 1000 --gid 100 --shell /bin/bash jovyan

COPY course/requirements.txt /opt/dlcourse/requirements/course.txt
COPY hub_config/kubernetes/images/student/requirements-hub.txt /opt/dlcourse/requirements/hub.txt
RUN python -m venv "$VIRTUAL_ENV" \
 && pip install --upgrade pip \
 && pip install -r /opt/dlcourse/requirements/course.txt -r /opt/dlcourse/requirements/hub.txt

# students see the assignment list, not nbgrader's instructor tools
COPY hub_config/kubernetes/images/student/page_config.json /opt/dlcourse/student-env/etc/jupyter/labconfig/page_config.json
RUN jupyter server extension disable --sys-prefix nbgrader.server_extensions.formgrader \
 && jupyter server extension disable --sys-prefix nbgrader.server_extensions.course_list
COPY hub_config/kubernetes/images/student/nbgrader_config.py /etc/jupyter/nbgrader_config.py

USER 1000
WORKDIR /home/jovyan
CMD ["jupyterhub-singleuser"]
